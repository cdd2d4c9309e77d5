//go:build !linux

package main

// benchReaders is empty where there is no epoll: a goroutine per
// connection reads (see read).
type benchReaders struct{}

// startReading starts subscriber i's reader goroutine.
func (h *fanoutHarness) startReading(i int, conn *benchConn) error {
	h.readerExited.Add(1)
	go h.read(i, conn)
	return nil
}
