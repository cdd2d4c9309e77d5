//go:build ignore

// generate.go draws the demo reviews' and community posts' photos
// (server/demo/photos/*.jpg): top-down shots of the demo store's products
// on a wooden table, the kind a customer takes for a review or an
// unboxing post. They are drawn rather than downloaded so
// that the project owns them outright and they stay small (a few tens of
// KB). Run `go generate ./server/demo` after changing a scene (it writes
// into -out); the output is deterministic (a fixed random seed), so
// regenerating changes nothing.
package main

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/jpeg"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	xdraw "golang.org/x/image/draw"
)

// Photos are drawn at ss times their size and scaled down, which smooths
// every edge without an anti-aliasing rasterizer.
const (
	width, height = 640, 480
	ss            = 2
)

// canvas is an RGBA image with the shapes the scenes need.
type canvas struct{ *image.RGBA }

func newCanvas() canvas { return canvas{image.NewRGBA(image.Rect(0, 0, width*ss, height*ss))} }

// fill paints every pixel for which in(x, y) holds (coordinates in output
// pixels) with the colour col(x, y) returns.
func (c canvas) fill(in func(x, y float64) bool, col func(x, y float64) color.RGBA) {
	b := c.Bounds()
	for py := b.Min.Y; py < b.Max.Y; py++ {
		for px := b.Min.X; px < b.Max.X; px++ {
			x, y := (float64(px)+0.5)/ss, (float64(py)+0.5)/ss
			if in(x, y) {
				c.SetRGBA(px, py, col(x, y))
			}
		}
	}
}

func everywhere(float64, float64) bool { return true }

func solid(c color.RGBA) func(x, y float64) color.RGBA {
	return func(float64, float64) color.RGBA { return c }
}

// ellipse reports whether (x, y) is inside the ellipse centred at (cx, cy)
// with radii rx, ry, turned by angle radians.
func ellipse(cx, cy, rx, ry, angle float64) func(x, y float64) bool {
	s, c := math.Sincos(angle)
	return func(x, y float64) bool {
		dx, dy := x-cx, y-cy
		u, v := dx*c+dy*s, -dx*s+dy*c
		return u*u/(rx*rx)+v*v/(ry*ry) <= 1
	}
}

func disc(cx, cy, r float64) func(x, y float64) bool { return ellipse(cx, cy, r, r, 0) }

func shade(c color.RGBA, f float64) color.RGBA {
	k := func(v uint8) uint8 { return uint8(math.Max(0, math.Min(255, float64(v)*f))) }
	return color.RGBA{k(c.R), k(c.G), k(c.B), 255}
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	t = math.Max(0, math.Min(1, t))
	m := func(x, y uint8) uint8 { return uint8(float64(x)*(1-t) + float64(y)*t) }
	return color.RGBA{m(a.R, b.R), m(a.G, b.G), m(a.B, b.B), 255}
}

// wood is an oak table top: planks with a wavy grain and a soft window
// light from the top left.
func (c canvas) wood(base color.RGBA) {
	c.fill(everywhere, func(x, y float64) color.RGBA {
		plank := math.Floor(y / 120)
		grain := math.Sin((x+plank*97)/23+math.Sin(y/31+plank)*2.2) * 0.06
		grain += math.Sin(y*0.9+math.Sin(x/40)*3) * 0.025
		light := 1.12 - 0.28*math.Hypot(x/width, y/height)
		col := shade(base, light+grain+plank*0.015)
		if math.Mod(y, 120) < 1.5 {
			col = shade(col, 0.55) // the seam between planks
		}
		return col
	})
}

// shadow darkens a soft ellipse under an object.
func (c canvas) shadow(cx, cy, rx, ry float64) {
	b := c.Bounds()
	for py := b.Min.Y; py < b.Max.Y; py++ {
		for px := b.Min.X; px < b.Max.X; px++ {
			x, y := (float64(px)+0.5)/ss, (float64(py)+0.5)/ss
			d := math.Hypot((x-cx)/rx, (y-cy)/ry)
			if d < 1.25 {
				f := 1 - 0.45*math.Max(0, math.Min(1, (1.25-d)/0.4))
				c.SetRGBA(px, py, shade(c.RGBAAt(px, py), f))
			}
		}
	}
}

// bean draws one roasted coffee bean with its crease.
func (c canvas) bean(cx, cy, size, angle float64, roast color.RGBA) {
	rx, ry := size, size*0.72
	in := ellipse(cx, cy, rx, ry, angle)
	s, co := math.Sincos(angle)
	c.fill(in, func(x, y float64) color.RGBA {
		dx, dy := x-cx, y-cy
		u, v := dx*co+dy*s, -dx*s+dy*co
		r := math.Hypot(u/rx, v/ry)
		col := shade(roast, 1.25-0.45*r-0.2*v/ry)
		// The crease: an S-curve along the long axis.
		if math.Abs(v-0.18*ry*math.Sin(u/rx*math.Pi)) < size*0.09 && math.Abs(u) < rx*0.85 {
			col = shade(roast, 0.45)
		}
		return col
	})
}

// cupTop is a round cup or mug seen from above, filled with coffee; crema
// is the colour of the drink's surface, latte draws a heart.
func (c canvas) cupTop(cx, cy, r float64, rim, inner, crema color.RGBA, latte bool) {
	c.shadow(cx+14, cy+16, r*1.05, r*1.05)
	c.fill(disc(cx, cy, r), func(x, y float64) color.RGBA {
		return shade(rim, 1.1-0.25*(y-cy+r)/(2*r))
	})
	c.fill(disc(cx, cy, r*0.88), solid(inner))
	c.fill(disc(cx, cy, r*0.8), func(x, y float64) color.RGBA {
		d := math.Hypot(x-cx, y-cy) / (r * 0.8)
		col := mix(crema, shade(crema, 0.6), d*d)
		if latte {
			// A heart: two lobes and a point, in milk foam.
			u, v := (x-cx)/(r*0.45), (cy-y)/(r*0.45) // image y grows downwards
			heart := math.Pow(u*u+v*v-1, 3)-u*u*v*v*v < 0
			if heart {
				col = color.RGBA{238, 226, 206, 255}
			}
		}
		// A window's reflection.
		if math.Hypot(x-(cx-r*0.35), y-(cy-r*0.4)) < r*0.12 {
			col = mix(col, color.RGBA{255, 255, 255, 255}, 0.35)
		}
		return col
	})
}

// rect reports whether (x, y) is inside the rectangle from (x0, y0) to
// (x1, y1), turned by angle radians about its centre.
func rect(x0, y0, x1, y1, angle float64) func(x, y float64) bool {
	cx, cy := (x0+x1)/2, (y0+y1)/2
	hw, hh := (x1-x0)/2, (y1-y0)/2
	s, c := math.Sincos(angle)
	return func(x, y float64) bool {
		dx, dy := x-cx, y-cy
		u, v := dx*c+dy*s, -dx*s+dy*c
		return math.Abs(u) <= hw && math.Abs(v) <= hh
	}
}

// cardboard is kraft board with its corrugation showing faintly.
func cardboard(x, y float64) color.RGBA {
	return shade(color.RGBA{196, 154, 108, 255}, 1+math.Sin(x*0.9)*0.02-0.12*y/height)
}

var outDir = flag.String("out", ".", "the directory to write the photos to")

func write(name string, c canvas) {
	name = filepath.Join(*outDir, name)
	out := image.NewRGBA(image.Rect(0, 0, width, height))
	xdraw.CatmullRom.Scale(out, out.Bounds(), c, c.Bounds(), xdraw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: 78}); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("%s: %d bytes", name, buf.Len())
}

func main() {
	flag.Parse()
	rng := rand.New(rand.NewPCG(10, 2026))
	oak := color.RGBA{176, 128, 84, 255}

	// Yirgacheffe: a light roast, a handful poured out on the table.
	beans := newCanvas()
	beans.wood(oak)
	for range 70 {
		a := rng.Float64() * 2 * math.Pi
		d := math.Sqrt(rng.Float64()) * 190
		x, y := 320+math.Cos(a)*d*1.3, 250+math.Sin(a)*d
		beans.shadow(x+4, y+5, 17, 13)
		beans.bean(x, y, 16+rng.Float64()*3, rng.Float64()*math.Pi, color.RGBA{122, 74, 40, 255})
	}
	write("beans.jpg", beans)

	// The enamel camp mug: white enamel, navy rim, a flat white.
	mug := newCanvas()
	mug.wood(shade(oak, 0.9))
	mug.fill(func(x, y float64) bool { // the handle, under the mug
		return x > 400 && x < 500 && y > 215 && y < 265 && !(x > 420 && x < 480 && y > 228 && y < 252)
	}, solid(color.RGBA{232, 232, 228, 255}))
	mug.cupTop(320, 240, 150, color.RGBA{34, 52, 92, 255}, color.RGBA{236, 236, 232, 255}, color.RGBA{170, 116, 70, 255}, true)
	write("mug.jpg", mug)

	// Harbour House Espresso: a shot in a small cup on its saucer, a few
	// beans beside it.
	esp := newCanvas()
	esp.wood(shade(oak, 0.75))
	esp.shadow(300, 250, 175, 175)
	esp.fill(disc(290, 240, 170), func(x, y float64) color.RGBA {
		return shade(color.RGBA{240, 238, 232, 255}, 1.05-0.15*math.Hypot(x-290, y-240)/170)
	})
	esp.cupTop(290, 240, 95, color.RGBA{246, 244, 240, 255}, color.RGBA{250, 248, 244, 255}, color.RGBA{196, 128, 62, 255}, false)
	for i := range 9 {
		x, y := 520+rng.Float64()*80, 90+float64(i)*38+rng.Float64()*10
		esp.shadow(x+4, y+5, 17, 13)
		esp.bean(x, y, 16, rng.Float64()*math.Pi, color.RGBA{70, 42, 26, 255})
	}
	write("espresso.jpg", esp)

	// The paper filter that tore: a cone laid flat, split from the rim.
	filter := newCanvas()
	filter.fill(everywhere, func(x, y float64) color.RGBA { // a grey stone counter
		n := math.Sin(x*0.7+y*0.3)*math.Sin(y*0.5-x*0.2)*0.03 + math.Sin(x/55+y/70)*0.04
		return shade(color.RGBA{150, 152, 150, 255}, 1.05+n-0.2*y/height)
	})
	apexX, apexY := 320.0, 420.0
	inFilter := func(x, y float64) bool {
		dx, dy := x-apexX, apexY-y
		if dy < 0 {
			return false
		}
		ang := math.Atan2(dx, dy)
		d := math.Hypot(dx, dy)
		return math.Abs(ang) < 0.62 && d < 340+math.Sin(ang*40)*2
	}
	filter.shadow(330, 260, 190, 170)
	filter.fill(inFilter, func(x, y float64) color.RGBA {
		// Fine crepe ridges and brown stains from the brew.
		ridge := math.Sin(math.Atan2(x-apexX, apexY-y)*160) * 0.025
		col := shade(color.RGBA{246, 242, 232, 255}, 1+ridge)
		if math.Hypot(x-300, y-300) < 90 {
			col = mix(col, color.RGBA{168, 120, 70, 255}, 0.55-math.Hypot(x-300, y-300)/200)
		}
		return col
	})
	// The tear: a jagged gap from the rim down the side seam.
	filter.fill(func(x, y float64) bool {
		if y < 95 || y > 330 {
			return false
		}
		center := 360 + (330-y)*0.12 + math.Sin(y*0.45)*5 + math.Sin(y*1.7)*2.5
		w := 1.5 + (330-y)*0.03
		return inFilter(x, y) && math.Abs(x-center) < w
	}, func(x, y float64) color.RGBA { return shade(color.RGBA{150, 152, 150, 255}, 0.8) })
	write("filter.jpg", filter)

	// An unboxing: the shipping box opened from above, its flaps out, the
	// kilo bag of espresso in tissue paper, a few beans spilled beside it.
	box := newCanvas()
	box.wood(shade(oak, 0.95))
	box.shadow(330, 250, 230, 190)
	box.fill(rect(60, 30, 580, 440, 0.03), cardboard) // the flaps, opened out
	box.fill(rect(150, 110, 500, 380, 0.03), func(x, y float64) color.RGBA {
		return shade(color.RGBA{150, 110, 72, 255}, 1-0.2*(y-110)/270) // inside the box
	})
	box.fill(rect(170, 130, 480, 360, 0.03), func(x, y float64) color.RGBA { // tissue paper
		return shade(color.RGBA{236, 232, 224, 255}, 1+math.Sin(x/9+y/13)*0.04)
	})
	box.fill(rect(235, 150, 415, 345, -0.12), solid(color.RGBA{30, 58, 66, 255}))    // the bag
	box.fill(rect(270, 215, 380, 275, -0.12), solid(color.RGBA{226, 214, 190, 255})) // its label
	box.fill(rect(285, 232, 365, 240, -0.12), solid(color.RGBA{30, 58, 66, 255}))
	box.fill(rect(295, 250, 355, 256, -0.12), solid(color.RGBA{160, 92, 52, 255}))
	for i := range 6 {
		x, y := 520+rng.Float64()*60, 400+float64(i%3)*18+rng.Float64()*8
		box.shadow(x+4, y+5, 15, 11)
		box.bean(x, y, 14, rng.Float64()*math.Pi, color.RGBA{70, 42, 26, 255})
	}
	write("unboxing.jpg", box)

	// A pour-over from above: the dripper's ribbed cone, the wet coffee
	// bed in its filter, the gooseneck kettle's spout reaching in.
	pour := newCanvas()
	pour.wood(shade(oak, 0.85))
	pour.shadow(300, 250, 200, 200)
	pour.fill(disc(300, 240, 190), func(x, y float64) color.RGBA { // the dripper's rim
		return shade(color.RGBA{232, 230, 226, 255}, 1.08-0.2*(y-50)/380)
	})
	pour.fill(disc(300, 240, 165), func(x, y float64) color.RGBA { // the ribs, spiralling in
		a := math.Atan2(y-240, x-300)
		d := math.Hypot(x-300, y-240)
		return shade(color.RGBA{218, 216, 212, 255}, 0.95+0.05*math.Sin(a*14+d/18))
	})
	pour.fill(disc(300, 240, 140), solid(color.RGBA{244, 240, 230, 255})) // the paper filter
	pour.fill(disc(300, 240, 112), func(x, y float64) color.RGBA {        // the bed, darker where it's wet
		d := math.Hypot(x-300, y-240) / 112
		return mix(color.RGBA{92, 58, 34, 255}, color.RGBA{140, 96, 58, 255}, d*d+math.Sin(x/7)*math.Sin(y/9)*0.05)
	})
	pour.fill(func(x, y float64) bool { // the kettle's spout, from the right
		return math.Abs(y-(200-(x-330)*0.35)) < 9-(x-330)*0.01 && x > 330 && x < 640
	}, func(x, y float64) color.RGBA { return shade(color.RGBA{40, 40, 44, 255}, 1+0.3*math.Sin(y/3)) })
	write("pourover.jpg", pour)

	// Masala chai in a glass, cinnamon sticks and star anise beside it.
	chai := newCanvas()
	chai.wood(shade(oak, 0.7))
	chai.cupTop(280, 250, 130, color.RGBA{210, 206, 198, 255}, color.RGBA{230, 226, 220, 255}, color.RGBA{196, 150, 104, 255}, false)
	for i, y := range []float64{90, 118} {
		chai.shadow(520, y+8, 70, 12)
		chai.fill(rect(450, y-10, 600, y+10, 0.15+float64(i)*0.1), func(x, yy float64) color.RGBA {
			return shade(color.RGBA{138, 78, 40, 255}, 1+0.15*math.Sin(yy*1.3))
		})
	}
	for i := range 3 {
		cx, cy := 480+float64(i)*50, 330+float64(i%2)*60
		chai.shadow(cx+5, cy+6, 30, 30)
		for k := range 8 {
			a := float64(k) * math.Pi / 4
			chai.fill(ellipse(cx+math.Cos(a)*16, cy+math.Sin(a)*16, 17, 7, a), solid(color.RGBA{112, 58, 34, 255}))
		}
		chai.fill(disc(cx, cy, 6), solid(color.RGBA{80, 40, 24, 255}))
	}
	write("chai.jpg", chai)
}
