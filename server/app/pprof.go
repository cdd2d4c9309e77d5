package app

import (
	"errors"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// servePprof serves net/http/pprof on Config.PprofAddr, when set, so that
// a CPU profile of a running server is one flag away:
//
//	go tool pprof 'http://127.0.0.1:6060/debug/pprof/profile?seconds=20'
//
// Why loopback only (pprofAddrProblem refuses anything else): profiles
// show the code, the heap's contents and every goroutine's stack, and a
// profile costs CPU, so the endpoint is for someone with a shell on the
// machine (or an SSH tunnel), never for the network. Why a listener of its
// own: the main listener faces clients, and net/http/pprof registers
// nothing on it.
func (a *App) servePprof() error {
	if a.Config.PprofAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", a.Config.PprofAddr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	a.pprofLn = ln
	// No write timeout: a CPU profile or trace streams for its ?seconds=.
	a.pprofServer = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := a.pprofServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("serve pprof", "err", err)
		}
	}()
	a.Log.Info("pprof listening", "url", a.PprofURL())
	return nil
}

// PprofURL is the base URL of the profiling endpoints, or "" without
// -pprof-addr.
func (a *App) PprofURL() string {
	if a.pprofLn == nil {
		return ""
	}
	return "http://" + a.pprofLn.Addr().String() + "/debug/pprof/"
}

// closePprof stops the profiling listener; a profile in flight is cut off.
func (a *App) closePprof() error {
	if a.pprofServer == nil {
		return nil
	}
	return a.pprofServer.Close()
}

// pprofAddrProblem says why addr may not serve profiles, or "" when it
// may: it must be host:port with a loopback host (localhost, 127.0.0.0/8,
// ::1). An empty host listens on every interface, and a host name other
// than localhost could resolve to anything later.
func pprofAddrProblem(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "is not host:port, e.g. 127.0.0.1:6060"
	}
	if host == "localhost" {
		return ""
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return ""
	}
	return "is not a loopback address: profiles show the code, memory and stacks, so they are served on 127.0.0.1, ::1 or localhost only (reach them over SSH)"
}
