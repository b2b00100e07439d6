package main

import (
	"io"
	"os"
	"runtime/pprof"
	"testing"
)

func TestZZProfExport(t *testing.T) {
	f, _ := os.Create("/tmp/ex/export.prof")
	pprof.StartCPUProfile(f)
	code := run(t.Context(), []string{"export", "--data", "/tmp/ex/d", "--incident", "kakao-2022-10", "--format", "csv", "--out", "/tmp/ex/y.csv"}, nil, io.Discard, os.Stderr)
	pprof.StopCPUProfile()
	if code != 0 {
		t.Fatal(code)
	}
}
