package receiptlog

import (
	"errors"
	"net/http"

	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/internal/tlog"
)

// Errors the service and the client return; test with errors.Is. Each maps
// to one HTTP status in statusOf, the only place that mapping lives.
var (
	// ErrBadRequest: the request is not well-formed JSON of the right shape.
	ErrBadRequest = errors.New("bad request")
	// ErrTooLarge: the request exceeds a size or count cap.
	ErrTooLarge = errors.New("request too large")
	// ErrInvalidReceipt: a receipt is malformed, badly signed, or signed
	// by a key the request did not supply.
	ErrInvalidReceipt = errors.New("invalid receipt")
	// ErrUnknownModel: a receipt names a model the chain does not know.
	ErrUnknownModel = errors.New("unknown model")
	// ErrFlaggedModel: a receipt names a model flagged by governance.
	ErrFlaggedModel = errors.New("model is flagged")
	// ErrNotFound: no such entry, tree size or file.
	ErrNotFound = errors.New("not found")
	// ErrRateLimited: the client sent too many requests.
	ErrRateLimited = errors.New("rate limit exceeded")
	// ErrOverloaded: too many receipts are waiting to become durable.
	ErrOverloaded = errors.New("log is overloaded, retry later")
	// ErrUnavailable: the model registry could not be asked, or the log is
	// shutting down.
	ErrUnavailable = errors.New("service unavailable")
	// ErrInternal: anything else; details go to the log, never the client.
	ErrInternal = errors.New("internal error")
	// ErrUnsupportedMediaType: a POST body is not declared as JSON.
	ErrUnsupportedMediaType = errors.New("content type must be application/json")
	// ErrBundle: a receipt bundle does not verify.
	ErrBundle = errors.New("receipt bundle does not verify")
)

// errorCodes pairs each client-visible sentinel with its HTTP status and a
// stable code sent in the error body, so the client can rebuild the sentinel.
var errorCodes = []struct {
	err    error
	status int
	code   string
}{
	{ErrTooLarge, http.StatusRequestEntityTooLarge, "too_large"},
	{receipt.ErrTooLarge, http.StatusRequestEntityTooLarge, "too_large"},
	{ErrBadRequest, http.StatusBadRequest, "bad_request"},
	{ErrUnsupportedMediaType, http.StatusUnsupportedMediaType, "unsupported_media_type"},
	{tlog.ErrCheckpointMalformed, http.StatusBadRequest, "bad_request"},
	{ErrInvalidReceipt, http.StatusUnprocessableEntity, "invalid_receipt"},
	{ErrUnknownModel, http.StatusUnprocessableEntity, "unknown_model"},
	{ErrFlaggedModel, http.StatusUnprocessableEntity, "flagged_model"},
	{ErrNotFound, http.StatusNotFound, "not_found"},
	{ErrRateLimited, http.StatusTooManyRequests, "rate_limited"},
	{ErrOverloaded, http.StatusServiceUnavailable, "overloaded"},
	{ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
}

// statusOf maps an error to its HTTP status, code and the message a client
// may see. Errors not listed are internal: 500 with a fixed message.
func statusOf(err error) (status int, code, msg string) {
	for _, c := range errorCodes {
		if errors.Is(err, c.err) {
			return c.status, c.code, err.Error()
		}
	}
	return http.StatusInternalServerError, "internal", ErrInternal.Error()
}

// errorOf maps a code (or, failing that, a status) back to the sentinel the
// client returns.
func errorOf(status int, code string) error {
	for _, c := range errorCodes {
		if c.code == code && c.err != receipt.ErrTooLarge && c.err != tlog.ErrCheckpointMalformed {
			return c.err
		}
	}
	for _, c := range errorCodes {
		if c.status == status {
			return c.err
		}
	}
	return ErrInternal
}
