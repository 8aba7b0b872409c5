package devnet

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
)

// DefaultStopTimeout is how long Stop waits after SIGINT before SIGKILL.
const DefaultStopTimeout = 20 * time.Second

// Process is one running `provad start` child process.
type Process struct {
	Home    string
	LogPath string
	cmd     *exec.Cmd
	logFile *os.File
	done    chan struct{}
	err     error
}

// Executable returns the provad binary to run nodes with: $PROVAD_BIN if
// set, else the running executable (which is provad itself).
func Executable() (string, error) {
	if p := os.Getenv("PROVAD_BIN"); p != "" {
		return p, nil
	}
	return os.Executable()
}

// StartProcess runs `bin start --home home` with its output appended to logPath.
func StartProcess(bin, home, logPath string, extraArgs ...string) (*Process, error) {
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	args := append([]string{"start", "--home", home}, extraArgs...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	// Its own process group, so a terminal's Ctrl-C reaches us first and
	// we stop children in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("start node in %s: %w", home, err)
	}
	p := &Process{Home: home, LogPath: logPath, cmd: cmd, logFile: lf, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		lf.Close()
		close(p.done)
	}()
	return p, nil
}

// PID returns the child's process ID.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Done is closed when the process has ended.
func (p *Process) Done() <-chan struct{} { return p.done }

// Stop asks the node to shut down (SIGINT) and kills it if it has not
// exited within timeout.
func (p *Process) Stop(timeout time.Duration) error {
	if p.Exited() {
		return nil
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
		return nil
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("node in %s did not stop within %s and was killed", p.Home, timeout)
	}
}

// Kill ends the node with SIGKILL, as a crash would.
func (p *Process) Kill() {
	if p.Exited() {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// WaitForHeight polls the node's RPC until it reports at least height, the
// process exits, or ctx ends.
func WaitForHeight(ctx context.Context, rpcURL string, height int64, proc *Process) (int64, error) {
	c, err := rpchttp.New(rpcURL, "/websocket")
	if err != nil {
		return 0, err
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	seen := int64(-1)
	for {
		st, err := c.Status(ctx)
		if err == nil {
			if st.SyncInfo.LatestBlockHeight >= height {
				return st.SyncInfo.LatestBlockHeight, nil
			}
			seen = st.SyncInfo.LatestBlockHeight
		}
		var exited <-chan struct{}
		if proc != nil {
			exited = proc.done
		}
		select {
		case <-ctx.Done():
			at := "never answered"
			if seen >= 0 {
				at = fmt.Sprintf("last at height %d", seen)
			}
			if err != nil {
				return 0, fmt.Errorf("waiting for height %d at %s (%s): %w (last error: %v)", height, rpcURL, at, ctx.Err(), err)
			}
			return 0, fmt.Errorf("waiting for height %d at %s (%s): %w", height, rpcURL, at, ctx.Err())
		case <-exited:
			return 0, fmt.Errorf("node exited before height %d: %v; see %s", height, proc.err, proc.LogPath)
		case <-tick.C:
		}
	}
}

// TailLog returns the last n bytes of a log file, for error messages.
func TailLog(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	if st.Size() > n {
		if _, err := f.Seek(st.Size()-n, io.SeekStart); err != nil {
			return ""
		}
	}
	bz, _ := io.ReadAll(f)
	return string(bz)
}
