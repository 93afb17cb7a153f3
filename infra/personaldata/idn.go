package personaldata

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// sameDomainForm puts the domain of a normalised address into one form, so
// that the Unicode and the ASCII (punycode) spellings of an
// internationalised domain name — "bücher.example", "xn--bcher-kva.example",
// or in full-width letters — are one address, as they are to DNS and to
// mail servers. The form is the domain's Unicode one after UTS #46 mapping
// (IDNA2008, non-transitional: "faß" stays apart from "fass"), by
// golang.org/x/net/idna's Lookup profile: an address already written in it
// keeps the index it always had. Domains that are plain ASCII without an
// "xn--" label, nearly all of them, are left exactly as they are; so is a
// domain that is not a valid IDN (an underscore, a broken punycode label),
// which the domain's rule for addresses may still accept. What is a valid
// address stays decided in one place, domain.NormalizeEmail; this only
// decides which valid addresses are the same.
func sameDomainForm(address string) string {
	at := strings.LastIndexByte(address, '@')
	if at < 0 {
		return address
	}
	domain := address[at+1:]
	if isPlainASCII(domain) {
		return address
	}
	mapped, err := idna.Lookup.ToUnicode(domain)
	if err != nil {
		return address
	}
	return address[:at+1] + mapped
}

// isPlainASCII reports whether a domain is ASCII with no punycode label.
func isPlainASCII(domain string) bool {
	for i := 0; i < len(domain); i++ {
		if domain[i] >= utf8.RuneSelf {
			return false
		}
	}
	return !strings.HasPrefix(domain, "xn--") && !strings.Contains(domain, ".xn--")
}
