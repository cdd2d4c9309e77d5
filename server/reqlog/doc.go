// Package reqlog writes aftercart's request log: one line per HTTP request,
// at INFO, once the handler has answered.
//
// A line holds the method, the path (never the query string: a GET
// /query carries the operation and its variables there), the status, the
// duration and the bytes written, and for GraphQL requests what the GraphQL
// layer noted with Annotate: the operation's name and type and the distinct
// extensions.code of its errors. Never a header, a token, a body or a
// variable. A client mistake thus costs one line.
//
// Quiet paths (health probes, metric scrapes: every few seconds, all day)
// are logged at DEBUG.
//
// A request whose connection is hijacked (a websocket upgrade) is logged
// with status 101 as soon as the upgrade is done; what happens on the
// websocket afterwards is not this request's to tell, and Annotate refuses
// it, so that the websocket's own operations are logged by whoever runs them
// (see graph's observer).
package reqlog
