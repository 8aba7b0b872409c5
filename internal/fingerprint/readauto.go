package fingerprint

import (
	"sync"
	"sync/atomic"
	"time"
)

// autoRead is ReadAuto's choice for this process: which read method costs
// less CPU per byte is a property of the machine (see ReadAuto), so it is
// measured once, on the first large files hashed, and kept.
var autoRead readChooser

// calibrationBytes is how much of each method ReadAuto times before it
// chooses: 8 windows each, enough for the clock's resolution and for one
// slow window (the first map of a process, a page-cache miss) not to
// decide alone.
const calibrationBytes = 8 * 4 << 20

// readChooser measures the CPU time per byte of hashing through maps and
// through reads, and picks one.
type readChooser struct {
	choice atomic.Int32 // a ReadMethod: ReadAuto while measuring
	mu     sync.Mutex
	cpu    [3]time.Duration // by ReadMethod
	bytes  [3]int64
}

// method returns how the worker reads its next window, and whether to time
// it for ReadAuto.
func (w *pieceWorker) method() (ReadMethod, bool) {
	if w.read != ReadAuto {
		return w.read, false
	}
	return autoRead.next()
}

// next returns the decided method, or the one with fewer bytes measured.
// Without a thread CPU clock it decides for reads at once.
func (c *readChooser) next() (ReadMethod, bool) {
	if m := ReadMethod(c.choice.Load()); m != ReadAuto {
		return m, false
	}
	if _, ok := threadCPU(); !ok {
		c.choice.CompareAndSwap(int32(ReadAuto), int32(ReadPread))
		return ReadPread, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bytes[ReadMmap] <= c.bytes[ReadPread] {
		return ReadMmap, true
	}
	return ReadPread, true
}

// record adds a timed window and decides once both methods have
// calibrationBytes: maps only if they cost less than 0.9× the reads' CPU per
// byte. On a near tie reads win: their memory is the worker's buffer, and a
// file truncated under them is an error from the kernel, not a fault.
func (c *readChooser) record(m ReadMethod, cpu time.Duration, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.choice.Load() != int32(ReadAuto) || (m != ReadMmap && m != ReadPread) {
		return
	}
	c.cpu[m] += cpu
	c.bytes[m] += n
	if c.bytes[ReadMmap] < calibrationBytes || c.bytes[ReadPread] < calibrationBytes {
		return
	}
	mapped := float64(c.cpu[ReadMmap]) / float64(c.bytes[ReadMmap])
	read := float64(c.cpu[ReadPread]) / float64(c.bytes[ReadPread])
	choice := ReadPread
	if mapped < 0.9*read {
		choice = ReadMmap
	}
	c.choice.Store(int32(choice))
}

// refuseMaps decides for reads: a map failed (the file system has none), so
// maps cannot be measured, and trying one per file would only cost.
func (c *readChooser) refuseMaps() {
	c.choice.CompareAndSwap(int32(ReadAuto), int32(ReadPread))
}

// reset forgets the choice (tests).
func (c *readChooser) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.choice.Store(int32(ReadAuto))
	c.cpu, c.bytes = [3]time.Duration{}, [3]int64{}
}

// AutoRead reports what ReadAuto has chosen in this process so far:
// ReadMmap, ReadPread, or ReadAuto while it is still measuring (or before
// any large file was hashed).
func AutoRead() ReadMethod { return ReadMethod(autoRead.choice.Load()) }
