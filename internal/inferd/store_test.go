package inferd

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func testRun(i int) (Run, []byte) {
	inputs := []byte(fmt.Sprintf("inputs of run %d", i))
	r := Run{Time: time.Unix(int64(1700000000+i), 0), InputDigest: sha256.Sum256(inputs), TraceSize: 9, Lie: i%3 == 0}
	r.OutputDigest = sha256.Sum256([]byte(fmt.Sprintf("out %d", i)))
	r.TraceRoot = sha256.Sum256([]byte(fmt.Sprintf("root %d", i%4))) // repeated roots, as repeated inputs give
	return r, inputs
}

func TestStoreReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 10; i++ {
		r, in := testRun(i)
		seq, err := s.AppendRun(r, in)
		if err != nil || seq != uint64(i) {
			t.Fatalf("append %d: seq %d, %v", i, seq, err)
		}
	}
	if err := s.MarkClaimed(2, 42); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkReceipted(3, ReceiptRef{LogID: "log", Index: 0, ReceiptID: "ab"}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSettled(5, true); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkClaimed(11, 1); err == nil {
		t.Fatal("claimed a run that does not exist")
	}
	if _, err := OpenStore(dir); !errors.Is(err, ErrStoreLocked) {
		t.Fatalf("second open: %v, want ErrStoreLocked", err)
	}
	s.Close()

	s, err = OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Len() != 10 || s.Dropped() != 0 {
		t.Fatalf("%d runs, %d bytes dropped", s.Len(), s.Dropped())
	}
	for i := 1; i <= 10; i++ {
		want, in := testRun(i)
		got, ok := s.Get(uint64(i))
		if !ok || got.InputDigest != want.InputDigest || got.TraceRoot != want.TraceRoot || got.Lie != want.Lie || !got.Time.Equal(want.Time) {
			t.Fatalf("run %d: %+v", i, got)
		}
		b, err := s.Inputs(uint64(i))
		if err != nil || !bytes.Equal(b, in) {
			t.Fatalf("run %d inputs %q, %v", i, b, err)
		}
		b, found, err := s.InputsByDigest(want.InputDigest)
		if !found || err != nil || !bytes.Equal(b, in) {
			t.Fatalf("run %d by digest: %v %v", i, found, err)
		}
	}
	if r, _ := s.Get(2); r.ClaimID != 42 {
		t.Fatalf("claim of run 2: %d", r.ClaimID)
	}
	if r, _ := s.Get(3); r.Receipt == nil || r.Receipt.LogID != "log" {
		t.Fatalf("receipt of run 3: %+v", r.Receipt)
	}
	if !s.Settled(5) || s.Settled(6) {
		t.Fatal("settled disputes not kept")
	}
	root := sha256.Sum256([]byte("root 1"))
	if rs := s.ByTraceRoot(root); len(rs) != 3 || rs[0].Seq != 1 || rs[2].Seq != 9 {
		t.Fatalf("runs with root 1: %+v", rs)
	}
	if n := len(s.Runs(func(r *Run) bool { return r.ClaimID == 0 })); n != 9 {
		t.Fatalf("%d unclaimed runs, want 9", n)
	}
}

// TestStoreTornTail: a record cut short by a crash (at any byte) is
// dropped at open and the store goes on; damage before the last record
// refuses to open.
func TestStoreTornTail(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		r, in := testRun(i)
		if _, err := s.AppendRun(r, in); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	path := filepath.Join(dir, storeFile)
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The offset of the third record: cut it at every length.
	third := len(storeHeader)
	for range 2 {
		third += frameHeader + int(binary.BigEndian.Uint32(whole[third:]))
	}
	// Every cut in the frame header, then every 7th byte of the payload.
	for cut := third + 1; cut < len(whole); cut += map[bool]int{true: 1, false: 7}[cut < third+frameHeader+2] {
		if err := os.WriteFile(path, whole[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := OpenStore(dir)
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if s.Len() != 2 || s.Dropped() != int64(cut-third) {
			t.Fatalf("cut at %d: %d runs, dropped %d", cut, s.Len(), s.Dropped())
		}
		r, in := testRun(3)
		if seq, err := s.AppendRun(r, in); err != nil || seq != 3 {
			t.Fatalf("cut at %d: append after recovery: %d %v", cut, seq, err)
		}
		s.Close()
		if s, err = OpenStore(dir); err != nil || s.Len() != 3 || s.Dropped() != 0 {
			t.Fatalf("cut at %d: reopen after recovery: %v", cut, err)
		}
		s.Close()
	}
	// A flipped byte inside the first record is damage, not a torn tail.
	bad := bytes.Clone(whole)
	bad[len(storeHeader)+frameHeader+3] ^= 0xff
	if err := os.WriteFile(path, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenStore(dir); !errors.Is(err, ErrStoreCorrupt) {
		t.Fatalf("damaged first record: %v, want ErrStoreCorrupt", err)
	}
}

// TestStoreKill9 kills a process appending runs at random moments and
// checks that every run it had acknowledged (AppendRun returned) is in the
// store when it is opened again.
func TestStoreKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	acked := 0
	for round := range 5 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStoreWriterProcess$")
		cmd.Env = append(os.Environ(), "INFERD_STORE_WRITER="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		limit := acked + 20 + 17*round
		for sc.Scan() {
			n, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "acked "))
			if err != nil {
				continue
			}
			acked = n
			if n >= limit {
				break
			}
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()

		s, err := OpenStore(dir)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if s.Len() < acked {
			t.Fatalf("round %d: %d runs acknowledged, %d in the store", round, acked, s.Len())
		}
		for i := 1; i <= s.Len(); i++ {
			want, in := testRun(i)
			got, _ := s.Get(uint64(i))
			b, err := s.Inputs(uint64(i))
			if got.InputDigest != want.InputDigest || err != nil || !bytes.Equal(b, in) {
				t.Fatalf("round %d: run %d damaged", round, i)
			}
		}
		acked = s.Len()
		s.Close()
	}
}

// TestStoreWriterProcess is the process TestStoreKill9 kills: it appends
// runs and prints "acked N" after each AppendRun returns.
func TestStoreWriterProcess(t *testing.T) {
	dir := os.Getenv("INFERD_STORE_WRITER")
	if dir == "" {
		t.Skip("run by TestStoreKill9")
	}
	s, err := OpenStore(dir)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	for {
		r, in := testRun(s.Len() + 1)
		seq, err := s.AppendRun(r, in)
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Printf("acked %d\n", seq)
	}
}
