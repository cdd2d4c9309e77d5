package inmem

// NewSize returns a broker whose queue holds size messages, so tests can
// overflow it without committing QueueSize transactions.
func NewSize(size int) *Broker { return newBroker(size) }
