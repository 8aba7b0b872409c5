package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/cosmos/cosmos-sdk/client/flags"

	"github.com/prova-network/prova/internal/fingerprint"
)

const (
	flagAlgo      = "algo"
	flagManifest  = "manifest"
	flagIgnore    = "ignore"
	flagSymlinks  = "symlinks"
	flagShardSize = "shard-size"
	flagMethod    = "method"
	flagWorkers   = "workers"

	// envHashRead sets Options.Read: auto, mmap or pread.
	envHashRead = "PROVA_HASH_READ"
)

func hashCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hash PATH",
		Short: "Fingerprint a file or directory (the artifact ID Prova registers)",
		Long: `Fingerprint a file or directory as an OpenSSF model-signing v1.0 manifest:
one digest per file (or per shard of a large file) and the subject digest over
them, which is the artifact's ID on Prova ("blake3:<hex>" or "sha256:<hex>").

The ID is the hash of the concatenated raw resource digests, also for a single
file: then it is the hash of the file's 32-byte digest, not the file's digest
itself. That file digest (what b3sum and sha256sum print) is shown on stderr;
with --algo sha256 it is the file's Hugging Face LFS oid, and the ID is the
subject digest model_signing computes. BLAKE3 is the default.

Files larger than the shard size (--shard-size, default 1000000000 bytes =
10^9, model_signing's default) are hashed as "path:start:end" shards, other
files whole. --method files hashes every file whole, as model_signing's
default "files" serialization does; --method shards shards every file, as its
"shards" serialization does (empty files are then left out). --manifest
writes the in-toto statement in a serialization model_signing reads: with
large files, the shards equivalent, whose subject digest is the ID unless the
model holds empty files.

.git, .gitattributes, .github and .gitignore are left out at any depth;
--ignore patterns add to that list (a pattern without "/" matches a name at
any depth, a leading "/" anchors it at the root). Symbolic links are refused
unless --symlinks says otherwise, except in a Hugging Face cache snapshot
(.../models--ORG--NAME/snapshots/REV): its links into the same cache
repository folder are followed, so a snapshot hashes like a copy of its files.
A directory with nothing to hash has an ID too: the hash of no bytes.

Large files reach the hash through memory maps or through read(), whichever
costs less CPU on this machine: the first 64 MiB are hashed both ways and
timed. PROVA_HASH_READ=mmap or pread in the environment fixes the method
(the digests are the same either way).`,
		Example: `  provad hash ./my-model
  provad hash ./my-model --algo sha256 --manifest manifest.json
  provad hash ./data --ignore '*.tmp' -o json
  provad hash ~/.cache/huggingface/hub/models--org--name/snapshots/REV --algo sha256 --method files --manifest m.json`,
		Args:              cobra.ExactArgs(1),
		PersistentPreRunE: localOnly,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := fingerprintOptions(cmd)
			if err != nil {
				return err
			}
			bar := newProgressBar(cmd.ErrOrStderr(), "hashing")
			opts.Progress = bar.update
			m, err := fingerprint.Fingerprint(cmd.Context(), args[0], opts)
			bar.done()
			if err != nil {
				return err
			}
			if path, _ := cmd.Flags().GetString(flagManifest); path != "" {
				st, err := m.Statement()
				if err != nil {
					return err
				}
				if err := os.WriteFile(path, st, 0o644); err != nil {
					return err
				}
			}
			out := cmd.OutOrStdout()
			if o, _ := cmd.Flags().GetString(flags.FlagOutput); o == flags.OutputFormatJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(m)
			}
			fmt.Fprintln(out, m.Digest)
			errOut := cmd.ErrOrStderr()
			if len(m.Resources) == 1 {
				// The ID is the digest over resource digests (OMS); show
				// the file's own digest too, which sha256sum/b3sum print.
				fmt.Fprintf(errOut, "1 file, %s; file digest %s\n", humanBytes(m.Size), m.Resources[0].Digest)
			} else {
				fmt.Fprintf(errOut, "%d resources, %s\n", len(m.Resources), humanBytes(m.Size))
			}
			return nil
		},
	}
	addFingerprintFlags(cmd)
	cmd.Flags().String(flagManifest, "", "also write the in-toto statement (OMS manifest) to this file")
	cmd.Flags().StringP(flags.FlagOutput, "o", "text", "output format (text|json)")
	return cmd
}

// addFingerprintFlags adds the flags that shape an artifact ID.
func addFingerprintFlags(cmd *cobra.Command) {
	cmd.Flags().String(flagAlgo, string(fingerprint.BLAKE3), "resource hash: blake3 or sha256")
	cmd.Flags().StringArray(flagIgnore, nil, "glob of paths to leave out (repeatable; .git is always left out)")
	cmd.Flags().String(flagSymlinks, "error", "symbolic links: error, follow or skip")
	cmd.Flags().Int64(flagShardSize, 0, "shard files larger than this many bytes (0: the default, 1000000000 = 10^9 bytes)")
	cmd.Flags().String(flagMethod, "auto", "serialization: auto (shard only files over the shard size), files (never shard) or shards (shard every file)")
	cmd.Flags().Int(flagWorkers, 0, "files or shards hashed at once (0: four per CPU, so the disk sees several read streams)")
}

func fingerprintOptions(cmd *cobra.Command) (fingerprint.Options, error) {
	var o fingerprint.Options
	algo, _ := cmd.Flags().GetString(flagAlgo)
	a, err := fingerprint.ParseAlgorithm(algo)
	if err != nil {
		return o, err
	}
	o.Algorithm = a
	o.IgnorePaths, _ = cmd.Flags().GetStringArray(flagIgnore)
	sl, _ := cmd.Flags().GetString(flagSymlinks)
	if o.Symlinks, err = fingerprint.ParseSymlinkPolicy(sl); err != nil {
		return o, err
	}
	o.ShardSize, _ = cmd.Flags().GetInt64(flagShardSize)
	switch method, _ := cmd.Flags().GetString(flagMethod); method {
	case "auto":
	case fingerprint.MethodFiles:
		o.WholeFiles = true
	case fingerprint.MethodShards:
		o.ShardAll = true
	default:
		return o, fmt.Errorf("%w: method %q (want auto, files or shards)", fingerprint.ErrInvalidOptions, method)
	}
	o.Workers, _ = cmd.Flags().GetInt(flagWorkers)
	// For comparisons (docs/PERFORMANCE.md) and odd file systems.
	if v := os.Getenv(envHashRead); v != "" {
		if o.Read, err = fingerprint.ParseReadMethod(v); err != nil {
			return o, fmt.Errorf("%s: %w", envHashRead, err)
		}
	}
	return o, nil
}

// progressBar draws "label 42% 1.2 GiB/2.9 GiB 3.1 GB/s" on a terminal, and
// nothing otherwise.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	on    bool
	start time.Time
	last  time.Time
	drawn bool
}

func newProgressBar(w io.Writer, label string) *progressBar {
	f, ok := w.(*os.File)
	return &progressBar{w: w, label: label, on: ok && term.IsTerminal(int(f.Fd())), start: time.Now()}
}

func (b *progressBar) update(done, total int64) {
	if !b.on {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if now.Sub(b.last) < 100*time.Millisecond && done < total {
		return
	}
	b.last = now
	pct := 100.0
	if total > 0 {
		pct = 100 * float64(done) / float64(total)
	}
	rate := float64(done) / now.Sub(b.start).Seconds()
	fmt.Fprintf(b.w, "\r%s %5.1f%% %s/%s %s/s   ", b.label, pct, humanBytes(done), humanBytes(total), humanBytes(int64(rate)))
	b.drawn = true
}

func (b *progressBar) done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprint(b.w, "\r\033[K")
	}
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
