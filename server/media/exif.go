package media

import "encoding/binary"

// Orientation is the EXIF orientation tag (0x0112): how the stored pixels
// must be turned to be seen upright. Phones store the sensor's pixels and
// set this tag rather than rotate the image.
type Orientation int

// The eight orientations (EXIF 2.3, table "Orientation"); 0 means none was
// found, which is treated as Upright.
const (
	Upright        Orientation = 1 // as stored
	FlipH          Orientation = 2 // mirrored left to right
	Rotate180      Orientation = 3
	FlipV          Orientation = 4 // mirrored top to bottom
	Transpose      Orientation = 5 // mirrored along the top-left to bottom-right diagonal
	Rotate90CW     Orientation = 6 // turn 90° clockwise to view
	Transverse     Orientation = 7 // mirrored along the other diagonal
	Rotate90CCW    Orientation = 8 // turn 90° counter-clockwise to view
	tagOrientation             = 0x0112
)

// swapsAxes reports whether o turns width into height.
func (o Orientation) swapsAxes() bool { return o >= Transpose && o <= Rotate90CCW }

// orientationFromTIFF reads the orientation tag from IFD0 of an EXIF TIFF
// structure ("II*\0" or "MM\0*" and what follows): the body of a JPEG's
// "Exif\0\0" APP1 segment, a PNG eXIf chunk or a WebP EXIF chunk. Anything
// malformed, missing or out of range is Upright: a broken tag must not
// refuse an otherwise good photo, and the metadata is dropped anyway.
//
// Only this one tag is needed, so it is read here (30 lines, bounds-checked)
// rather than with an EXIF library that parses and allocates everything.
func orientationFromTIFF(b []byte) Orientation {
	if len(b) < 8 {
		return Upright
	}
	var bo binary.ByteOrder
	switch string(b[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return Upright
	}
	ifd := int64(bo.Uint32(b[4:8]))
	if ifd < 8 || ifd+2 > int64(len(b)) {
		return Upright
	}
	n := int64(bo.Uint16(b[ifd:]))
	for i := int64(0); i < n; i++ {
		e := ifd + 2 + 12*i
		if e+12 > int64(len(b)) {
			break
		}
		if bo.Uint16(b[e:]) != tagOrientation {
			continue
		}
		// Type SHORT (3), count 1: the value sits in the entry itself.
		if bo.Uint16(b[e+2:]) != 3 || bo.Uint32(b[e+4:]) != 1 {
			return Upright
		}
		if o := Orientation(bo.Uint16(b[e+8:])); o >= Upright && o <= Rotate90CCW {
			return o
		}
		return Upright
	}
	return Upright
}
