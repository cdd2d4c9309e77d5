package demo

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// ImagePrefix is the path under which the server serves the demo catalog's
// product images (Images), and the prefix of every imageUrl Seed writes.
//
// The seeded imageUrl is a root-relative path, not an absolute URL: a demo
// database outlives the address it was seeded on (another -addr, a proxy, a
// phone reaching the laptop by its LAN address), and only the client knows
// the URL it reached the API by. Clients resolve imageUrl against that URL
// (`new URL(imageUrl, apiURL)` in a browser), which leaves the absolute URLs
// real stores import unchanged.
const ImagePrefix = "/demo/products/"

// images holds one hand-drawn SVG per catalog product, named after the
// product's slug. They ship inside the binary so the demo shows its products
// offline and without building the web demo.
//
//go:embed images/*.svg
var images embed.FS

// imageFiles is images without the directory level.
var imageFiles = func() fs.FS {
	sub, err := fs.Sub(images, "images")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	return sub
}()

// imagePath is the imageUrl of the product with slug.
func imagePath(slug string) string { return ImagePrefix + slug + ".svg" }

// Images serves the catalog's product images by file name (mount it under
// ImagePrefix with http.StripPrefix). Anything else, directory listings
// included, is a 404.
func Images() http.Handler {
	files := http.FileServerFS(imageFiles)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := path.Clean("/" + r.URL.Path)[1:]
		if !strings.HasSuffix(name, ".svg") || strings.Contains(name, "/") {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		// An SVG opened on its own is a document: it may run nothing.
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		// Embedded files never change within a build, but have no
		// modification time to revalidate against: let caches keep them a day.
		h.Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}
