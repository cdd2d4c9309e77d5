package tracking

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/aftercart/aftercart/server/errs"
)

var (
	carrierCode    = regexp.MustCompile(`^[A-Z0-9_]{2,32}$`)
	trackingNumber = regexp.MustCompile(`^[A-Z0-9-]{4,64}$`)
	carrierSep     = strings.NewReplacer(" ", "_", "-", "_", ".", "")
)

// trackingPages are public tracking pages of common carriers, used when an
// integration does not send its own tracking URL.
var trackingPages = map[string]string{
	"UPS":        "https://www.ups.com/track?tracknum=",
	"USPS":       "https://tools.usps.com/go/TrackConfirmAction?tLabels=",
	"FEDEX":      "https://www.fedex.com/fedextrack/?trknbr=",
	"DHL":        "https://www.dhl.com/global-en/home/tracking/tracking-express.html?tracking-id=",
	"DHL_PAKET":  "https://www.dhl.de/en/privatkunden/dhl-sendungsverfolgung.html?piececode=",
	"ROYAL_MAIL": "https://www.royalmail.com/track-your-item#/tracking-results/",
	"DPD":        "https://tracking.dpd.de/status/en_US/parcel/",
	"GLS":        "https://gls-group.com/track/",
	"POSTNL":     "https://jouw.postnl.nl/track-and-trace/",
}

// NormalizeCarrier turns "Royal Mail" or "royal-mail" into "ROYAL_MAIL".
func NormalizeCarrier(s string) (string, error) {
	c := carrierSep.Replace(strings.ToUpper(strings.TrimSpace(s)))
	if !carrierCode.MatchString(c) {
		return "", errs.Invalid("carrier", "%q is not a carrier code (letters, digits and _; 2 to 32)", s)
	}
	return c, nil
}

// NormalizeTrackingNumber removes spaces and upper-cases, as carriers print
// numbers in groups ("1Z 999 AA1 0123 4567 84").
func NormalizeTrackingNumber(s string) (string, error) {
	n := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if !trackingNumber.MatchString(n) {
		return "", errs.Invalid("trackingNumber", "%q is not a tracking number (letters, digits and -; 4 to 64)", s)
	}
	return n, nil
}

// TrackingURL returns the given URL after validating it, or the carrier's
// public tracking page for the number, or nil when aftercart knows none.
func TrackingURL(given *string, carrier, number string) (*string, error) {
	if given != nil && strings.TrimSpace(*given) != "" {
		u, err := url.Parse(strings.TrimSpace(*given))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(*given) > 2048 {
			return nil, errs.Invalid("trackingUrl", "must be an http(s) URL")
		}
		s := u.String()
		return &s, nil
	}
	if base, ok := trackingPages[carrier]; ok {
		s := base + url.QueryEscape(number)
		return &s, nil
	}
	return nil, nil
}
