package http

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// A request its client abandoned is logged as such, not as a failure; a failure still is.
func TestAbandonedRequestIsNoError(t *testing.T) {
	var log bytes.Buffer
	s := &Server{Logger: slog.New(slog.NewTextHandler(&log, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("POST", "/api/v1/reports", nil).WithContext(ctx)
	s.writeProblem(httptest.NewRecorder(), r, fmt.Errorf("write: %w", context.Canceled))
	if out := log.String(); !strings.Contains(out, "level=INFO") || !strings.Contains(out, "abandoned by the client") {
		t.Errorf("abandoned: %s", out)
	}
	log.Reset()
	s.writeProblem(httptest.NewRecorder(), httptest.NewRequest("POST", "/api/v1/reports", nil), errors.New("disk full"))
	if out := log.String(); !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "disk full") {
		t.Errorf("failed: %s", out)
	}
}
