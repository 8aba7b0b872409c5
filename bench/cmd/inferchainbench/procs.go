package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"time"
)

// proc is a provad process whose stdout lines are kept with the time each
// arrived; its stderr goes to a log file.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}

	mu    sync.Mutex
	lines []line
}

type line struct {
	at   time.Time
	text string
}

func startProc(name, logPath, bin string, args ...string) (*proc, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, line{at: time.Now(), text: sc.Text()})
			p.mu.Unlock()
		}
		_ = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return p, nil
}

// stop sends SIGINT and waits, then kills the process group.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// waitLine waits for a stdout line matching re and returns its submatches
// and arrival time.
func (p *proc) waitLine(ctx context.Context, re *regexp.Regexp) ([]string, time.Time, error) {
	for i := 0; ; {
		p.mu.Lock()
		for ; i < len(p.lines); i++ {
			if m := re.FindStringSubmatch(p.lines[i].text); m != nil {
				at := p.lines[i].at
				p.mu.Unlock()
				return m, at, nil
			}
		}
		p.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, time.Time{}, fmt.Errorf("%s: no line matching %q (%w); its log: %s", p.name, re, ctx.Err(), p.log)
		case <-p.done:
			return nil, time.Time{}, fmt.Errorf("%s exited before printing %q; its log: %s", p.name, re, p.log)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// event is a JSON event line of `provad infer serve|watch -o json`.
type event struct {
	fields map[string]string
	at     time.Time
}

// waitEvent waits for the event named name whose fields include want.
func (p *proc) waitEvent(ctx context.Context, name string, want map[string]string) (event, error) {
	for i := 0; ; {
		p.mu.Lock()
		for ; i < len(p.lines); i++ {
			if e, ok := parseEvent(p.lines[i]); ok && e.fields["event"] == name && matches(e.fields, want) {
				p.mu.Unlock()
				return e, nil
			}
		}
		p.mu.Unlock()
		select {
		case <-ctx.Done():
			return event{}, fmt.Errorf("%s: no %s event %v (%w); its log: %s", p.name, name, want, ctx.Err(), p.log)
		case <-p.done:
			return event{}, fmt.Errorf("%s exited before reporting %s; its log: %s", p.name, name, p.log)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func parseEvent(l line) (event, bool) {
	if len(l.text) == 0 || l.text[0] != '{' {
		return event{}, false
	}
	var raw map[string]any
	d := json.NewDecoder(bytes.NewReader([]byte(l.text)))
	d.UseNumber()
	if d.Decode(&raw) != nil {
		return event{}, false
	}
	f := make(map[string]string, len(raw))
	for k, v := range raw {
		f[k] = fmt.Sprint(v)
	}
	return event{fields: f, at: l.at}, true
}

func matches(f, want map[string]string) bool {
	for k, v := range want {
		if f[k] != v {
			return false
		}
	}
	return true
}

// tailFile returns the last n bytes of a file, for error messages.
func tailFile(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > n {
		_, _ = f.Seek(-n, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}
