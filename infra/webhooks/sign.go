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

// The Standard Webhooks headers.
const (
	headerID        = "webhook-id"
	headerTimestamp = "webhook-timestamp"
	headerSignature = "webhook-signature"
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

// sign sets the headers of a delivery of body, the event id, signed at
// at under each of keys (two during a rotation), space-separated.
func sign(h http.Header, keys [][]byte, id string, at time.Time, body []byte) {
	ts := at.Unix()
	sigs := make([]string, len(keys))
	for i, k := range keys {
		sigs[i] = signature(k, id, ts, body)
	}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", userAgent)
	h.Set(headerID, id)
	h.Set(headerTimestamp, strconv.FormatInt(ts, 10))
	h.Set(headerSignature, strings.Join(sigs, " "))
}
