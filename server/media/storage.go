package media

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob" // file:// URLs, and the default folder
	_ "gocloud.dev/blob/s3blob" // s3:// URLs (AWS and S3-compatible storage)
)

// DefaultDir is the folder of the data dir that holds media when no blob
// URL is configured.
const DefaultDir = "media"

// OpenBucket opens the blob storage media lives in: the bucket at url
// (file:///var/lib/aftercart/media, s3://bucket?region=eu-central-1, see
// gocloud.dev/concepts/urls), or, when url is empty, the folder DefaultDir
// of dataDir, created if missing.
func OpenBucket(ctx context.Context, url, dataDir string) (*blob.Bucket, error) {
	if url == "" {
		// NoTempDir: fileblob writes each blob to a temporary file and
		// renames it, which fails across file systems when the temporary
		// file is in /tmp and the data dir is a mounted volume.
		b, err := fileblob.OpenBucket(filepath.Join(dataDir, DefaultDir), &fileblob.Options{
			CreateDir: true, NoTempDir: true, DirFileMode: 0o700,
		})
		if err != nil {
			return nil, fmt.Errorf("media: opening %s: %w", filepath.Join(dataDir, DefaultDir), err)
		}
		return b, nil
	}
	b, err := blob.OpenBucket(ctx, url)
	if err != nil {
		// The URL may carry credentials: name its scheme only.
		scheme, _, _ := strings.Cut(url, "://")
		return nil, fmt.Errorf("media: opening the %s:// bucket: %w", scheme, err)
	}
	return b, nil
}

// keyEncoding writes keys in lower-case base32: safe in URLs, file names
// and every object store's key syntax.
var keyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// thumbSuffix marks a thumbnail's key: the original's key plus this.
const thumbSuffix = "-t"

// validKey matches the keys newKey makes, with or without thumbSuffix.
var validKey = regexp.MustCompile(`^[a-z2-7]{32}(-t)?$`)

// newKey returns a random key: 160 bits from crypto/rand, so that a
// media URL cannot be guessed or enumerated, and names nothing the client
// sent.
func newKey() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather)
	return keyEncoding.EncodeToString(b)
}

// PathPrefix is where media is served (see Handler).
const PathPrefix = "/media/"

// URL is where the blob at key is served: a path under the API's origin.
func URL(key string) string { return PathPrefix + key }
