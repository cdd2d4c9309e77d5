package testserver

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"testing"
)

// UploadMediaMutation is the contract, verbatim.
const UploadMediaMutation = `mutation UploadMedia($file: Upload!) { uploadMedia(file: $file) { media { id url thumbnailUrl kind } } }`

// UploadPart is one file of a multipart request.
type UploadPart struct {
	Filename, ContentType string
	Data                  []byte
}

// MultipartBody builds a GraphQL multipart request (operations, map, files)
// for query with the files as variables file (one) or files.N.
func MultipartBody(t testing.TB, query string, files ...UploadPart) (body *bytes.Buffer, contentType string) {
	t.Helper()
	vars := map[string]any{"file": nil}
	fileMap := map[string][]string{"0": {"variables.file"}}
	if len(files) > 1 {
		list := make([]any, len(files))
		vars = map[string]any{"files": list}
		fileMap = map[string][]string{}
		for i := range files {
			fileMap[fmt.Sprint(i)] = []string{fmt.Sprintf("variables.files.%d", i)}
		}
	}
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	m, _ := json.Marshal(fileMap)
	body = &bytes.Buffer{}
	w := multipart.NewWriter(body)
	_ = w.WriteField("operations", string(ops))
	_ = w.WriteField("map", string(m))
	for i, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%d"; filename="%s"`, i, f.Filename))
		h.Set("Content-Type", f.ContentType)
		pw, _ := w.CreatePart(h)
		_, _ = pw.Write(f.Data)
	}
	_ = w.Close()
	return body, w.FormDataContentType()
}

// PostMultipart posts a multipart body to /query as token ("" anonymous).
func (s *Server) PostMultipart(t testing.TB, token string, body io.Reader, contentType string) *Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/query", body)
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := &Response{Status: res.StatusCode, Header: res.Header}
	raw, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("status %d, body %q: %v", res.StatusCode, raw, err)
	}
	return out
}

// Upload sends uploadMedia with one file.
func (s *Server) Upload(t testing.TB, token string, f UploadPart) *Response {
	t.Helper()
	body, ct := MultipartBody(t, UploadMediaMutation, f)
	return s.PostMultipart(t, token, body, ct)
}

// Uploaded is uploadMedia's answer.
type Uploaded struct {
	UploadMedia struct {
		Media struct {
			ID, URL, Kind string
			ThumbnailURL  *string
		}
	}
}

// PhoneJPEG is a JPEG with an EXIF APP1 segment as a phone writes one: a
// camera make and a GPS position (Berlin), orientation upright.
func PhoneJPEG(t testing.TB) []byte {
	t.Helper()
	var enc bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 900, 600))
	for i := range img.Pix {
		img.Pix[i] = byte(i / 7)
	}
	if err := jpeg.Encode(&enc, img, nil); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	var tiff bytes.Buffer
	tiff.WriteString("II*\x00")
	_ = binary.Write(&tiff, le, uint32(8))
	entry := func(tag, typ uint16, count, value uint32) {
		for _, v := range []any{tag, typ, count, value} {
			_ = binary.Write(&tiff, le, v)
		}
	}
	_ = binary.Write(&tiff, le, uint16(2))
	entry(0x010F, 2, 16, 8+2+2*12+4)   // Make
	entry(0x8825, 4, 1, 8+2+2*12+4+16) // GPS IFD
	_ = binary.Write(&tiff, le, uint32(0))
	tiff.WriteString("SecretPhone-4711")
	_ = binary.Write(&tiff, le, uint16(1))
	entry(0x0001, 2, 2, uint32('N')) // GPSLatitudeRef
	_ = binary.Write(&tiff, le, uint32(0))
	app1 := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	var out bytes.Buffer
	out.Write(enc.Bytes()[:2])
	out.Write([]byte{0xFF, 0xE1})
	_ = binary.Write(&out, binary.BigEndian, uint16(len(app1)+2))
	out.Write(app1)
	out.Write(enc.Bytes()[2:])
	return out.Bytes()
}

// GetMedia fetches a media URL from the server.
func (s *Server) GetMedia(t testing.TB, path string) (*http.Response, []byte) {
	t.Helper()
	res, err := http.Get(s.URL() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}
