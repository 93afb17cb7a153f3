package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Standard Webhooks headers, by their canonical names (the map of a
// Header is keyed by them).
const (
	headerID        = "Webhook-Id"
	headerTimestamp = "Webhook-Timestamp"
	headerSignature = "Webhook-Signature"
)

// userAgent names the sender to receivers and their logs.
const userAgent = "Roster-Webhooks/1"

// signature is "v1,<base64 HMAC-SHA256 of id.timestamp.body under key>".
func signature(key []byte, id string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// signed returns the headers of a delivery of body, the event id, signed
// at at under each of keys (two during a rotation), space-separated. The
// names are written in their canonical form, as Header.Set would.
func signed(keys [][]byte, id string, at time.Time, body []byte) http.Header {
	ts := at.Unix()
	sigs := make([]string, len(keys))
	for i, k := range keys {
		sigs[i] = signature(k, id, ts, body)
	}
	return http.Header{
		"Content-Type":  {"application/json"},
		"User-Agent":    {userAgent},
		headerID:        {id},
		headerTimestamp: {strconv.FormatInt(ts, 10)},
		headerSignature: {strings.Join(sigs, " ")},
	}
}
