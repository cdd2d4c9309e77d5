// Package media owns uploaded photos and videos: accepting them (uploadMedia),
// storing them in blob storage, serving them, letting other concepts
// (reviews now, community posts next) attach them, and deleting what nothing
// attached.
//
// # What is accepted
//
// The type is decided by sniffing the content (see Sniff), never from the
// file name or the Content-Type the client sent: JPEG, PNG and WebP photos,
// MP4 and WebM videos. Anything else — a renamed executable, SVG or HTML
// (which would run script from our origin), GIF, HEIC, QuickTime — is
// INVALID_INPUT on the field "file", naming what the content is. A photo must
// also decode: a JPEG header on garbage is refused. An MP4's top-level boxes
// must tile the file and include moov.
//
// Caps, each INVALID_INPUT with the numbers in the message: a size per kind
// (Limits: 10 MB for photos, 100 MB for videos by default; the multipart form
// limit of the GraphQL transport follows the larger), and a pixel count for
// photos (50 megapixels by default), checked from the header before the
// pixels are decoded, against decompression bombs. At most GOMAXPROCS photos
// are decoded at once, which bounds the memory uploads can take.
//
// # Photos: metadata and orientation
//
// A phone photo's EXIF carries where it was taken. Every photo is stored
// without metadata (strip.go): the metadata segments (JPEG), chunks (PNG) or
// chunks and their VP8X flags (WebP) are dropped and the compressed pixels
// copied byte for byte, so the original keeps its full quality, and only
// what changes how pixels look (colour profiles, Adobe's colour transform,
// transparency, gamma) stays. Lossless stripping is preferred to re-encoding
// because re-encoding a JPEG loses quality every time and changes what the
// customer sent; it is only done when it must be: a photo whose EXIF asks
// for an orientation other than upright is turned and re-encoded (JPEG at
// quality 92, or PNG for PNGs and transparent WebPs; Go has no WebP encoder),
// because dropping the tag alone would show it sideways. Every photo gets a
// JPEG thumbnail of at most ThumbnailSize pixels on the long side, made from
// the upright image.
//
// Videos are kept as uploaded. They can carry a location too (an MP4's
// moov/udta or meta boxes, which phones fill); removing it needs remuxing,
// and is left for when videos get a processing pipeline.
//
// # Storage and serving
//
// Bytes go through gocloud.dev/blob: a folder of the data dir by default
// (fileblob), any blob URL by configuration (s3://… in production). Keys are
// 160 random bits (newKey), never a file name; a thumbnail's key is its
// original's plus "-t". The Media row (ent/schema/media.go) records owner,
// kind, content type, size, dimensions, keys and the SHA-256 of the stored
// original. Upload inserts the row before writing blobs, so a crash leaves a
// row Cleanup will delete rather than blobs nothing points to.
//
// Handler serves PathPrefix<key> with the stored type, nosniff, inline, a
// CSP that allows nothing, year-long immutable caching, the key as ETag, and
// Range requests. The URL is the capability: an <img> cannot send a token.
// Which media a viewer learns URLs of is decided by the Media privacy rule
// (ent/schema/rule: the owner and staff; parents widen it as they attach).
//
// # Attaching and cleanup
//
// Attach marks media attached inside the caller's transaction and refuses
// someone else's media as NOT_FOUND (it looks missing, as everywhere in
// aftercart). Media unattached after UnattachedTTL (a day) can no longer be
// attached, and Cleanup deletes it (blobs, then row) an hour later; Run calls
// Cleanup every hour on the server's clock. The loyalty issue's job system
// will take that loop over.
//
// Uploads are rate-limited per uploader (server/ratelimit), on top of the
// GraphQL cost budget.
package media
