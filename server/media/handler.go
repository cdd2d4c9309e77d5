package media

import (
	"net/http"
	"strings"

	"gocloud.dev/gcerrors"
)

// Handler serves media at PathPrefix<key>: GET and HEAD, with Range (video
// seeking) and conditional requests (If-None-Match on the key's ETag,
// If-Modified-Since) by net/http's ServeContent over the blob reader, which
// seeks without reading what it skips.
//
// There is no authentication: an <img> or <video> cannot send a bearer
// token. The URL is the capability (160 random bits), handed out only
// through GraphQL fields that privacy rules have already filtered, the way
// object stores' unlisted URLs work. The response is hardened so that even
// a file that somehow was not what it claimed could not run as a page on
// this origin: the Content-Type is the stored, sniffed one and only from
// the accepted list, nosniff, inline, and a CSP that allows nothing.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		key := strings.TrimPrefix(r.URL.Path, PathPrefix)
		if !validKey.MatchString(key) {
			http.NotFound(w, r)
			return
		}
		rd, err := s.bucket.NewReader(r.Context(), key, nil)
		if err != nil {
			if gcerrors.Code(err) == gcerrors.NotFound {
				http.NotFound(w, r)
				return
			}
			s.log.ErrorContext(r.Context(), "media: opening a blob", "key", key, "err", err)
			http.Error(w, "media unavailable", http.StatusServiceUnavailable)
			return
		}
		defer rd.Close()
		ct := rd.ContentType()
		if _, ok := formats[ct]; !ok {
			// Written by something other than Upload: never serve it.
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", ct)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Disposition", "inline")
		h.Set("Cache-Control", blobCacheControl)
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		// Content under a key never changes, so the key is a strong ETag.
		h.Set("ETag", `"`+key+`"`)
		http.ServeContent(w, r, "", rd.ModTime(), rd)
	})
}
