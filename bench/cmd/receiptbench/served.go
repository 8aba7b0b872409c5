package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/prova-network/prova/internal/receiptlog"
)

// runServed runs the service as a separate process (this binary with
// --mode serve on a free 127.0.0.1 port, a fresh directory) and loads it
// from this one, so the load generator and the log do not share a Go
// runtime; they still share the machine's cores.
func runServed(ctx context.Context, o options) (*result, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "receiptbench-served-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(exe, "--mode", "serve", "--listen", addr, "--dir", filepath.Join(dir, "log"),
		"--batch-max-age", o.batchAge.String(), "--checkpoint-interval", o.cpInterval.String())
	logf, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	url := "http://" + addr
	cl := receiptlog.NewClient(url, http.DefaultClient)
	for start := time.Now(); ; {
		if _, err := cl.Checkpoint(ctx); err == nil {
			break
		}
		select {
		case err := <-done:
			bz, _ := os.ReadFile(logf.Name())
			return nil, fmt.Errorf("log server exited: %v\n%s", err, bz)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Since(start) > 30*time.Second {
			return nil, fmt.Errorf("log server on %s did not answer within 30s", addr)
		}
	}
	fmt.Fprintf(os.Stderr, "receiptbench: log server pid %d on %s\n", cmd.Process.Pid, url)
	return runService(ctx, o, url)
}
