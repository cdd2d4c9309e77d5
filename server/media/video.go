package media

import (
	"encoding/binary"
	"errors"
	"io"
)

// maxMP4Boxes bounds the top-level boxes checkMP4 walks: real files have a
// handful (ftyp, moov, mdat, free, maybe a few moof/mdat pairs per second
// when fragmented); a file of millions of 8-byte boxes is not a video.
const maxMP4Boxes = 100_000

// checkMP4 walks an MP4's top-level boxes by their headers alone (seeking
// over their bodies): they must tile the file exactly, start with ftyp and
// include moov, or it is not a playable MP4 whatever its first bytes say.
// Videos are otherwise kept as uploaded: checking the tracks' codecs would
// mean a demuxer, and a browser that cannot play one shows its own error.
func checkMP4(r io.ReadSeeker, size int64) error {
	var (
		off     int64
		hdr     [16]byte
		hasMoov bool
	)
	for n := 0; off < size; n++ {
		if n == maxMP4Boxes || size-off < 8 {
			return errMalformed
		}
		if _, err := r.Seek(off, io.SeekStart); err != nil {
			return err
		}
		if _, err := io.ReadFull(r, hdr[:8]); err != nil {
			return errMalformed
		}
		boxSize := int64(binary.BigEndian.Uint32(hdr[:4]))
		typ := string(hdr[4:8])
		switch boxSize {
		case 0: // to the end of the file
			boxSize = size - off
		case 1: // a 64-bit size follows the type
			if _, err := io.ReadFull(r, hdr[8:16]); err != nil {
				return errMalformed
			}
			boxSize = int64(binary.BigEndian.Uint64(hdr[8:16]))
			if boxSize < 16 {
				return errMalformed
			}
		}
		if boxSize < 8 || boxSize > size-off {
			return errMalformed
		}
		if n == 0 && typ != "ftyp" {
			return errMalformed
		}
		if typ == "moov" {
			hasMoov = true
		}
		off += boxSize
	}
	if !hasMoov {
		return errors.Join(errMalformed, errors.New("no moov box"))
	}
	return nil
}
