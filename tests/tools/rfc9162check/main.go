// rfc9162check checks RFC 9162 inclusion and consistency proofs with a Merkle library that is
// not ecert's (github.com/transparency-dev/merkle). It reads JSON on stdin:
//
//	{"cases": [
//	  {"kind": "inclusion", "name": "...", "index": 3, "size": 10,
//	   "leaf_hash": "<b64>", "proof": ["<b64>", ...], "root": "<b64>"},
//	  {"kind": "consistency", "name": "...", "size1": 5, "size2": 10,
//	   "root1": "<b64>", "root2": "<b64>", "proof": ["<b64>", ...]}]}
//
// prints one line per case ("ok NAME" or "FAIL NAME: reason") and exits 1 if any case failed,
// 2 if the input could not be read.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

type testCase struct {
	Kind     string   `json:"kind"`
	Name     string   `json:"name"`
	Index    uint64   `json:"index"`
	Size     uint64   `json:"size"`
	LeafHash string   `json:"leaf_hash"`
	Root     string   `json:"root"`
	Size1    uint64   `json:"size1"`
	Size2    uint64   `json:"size2"`
	Root1    string   `json:"root1"`
	Root2    string   `json:"root2"`
	Proof    []string `json:"proof"`
}

func b64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

func check(c testCase) error {
	path := make([][]byte, 0, len(c.Proof))
	for _, p := range c.Proof {
		h, err := b64(p)
		if err != nil {
			return fmt.Errorf("proof: %v", err)
		}
		path = append(path, h)
	}
	switch c.Kind {
	case "inclusion":
		leaf, err := b64(c.LeafHash)
		if err != nil {
			return err
		}
		root, err := b64(c.Root)
		if err != nil {
			return err
		}
		return proof.VerifyInclusion(rfc6962.DefaultHasher, c.Index, c.Size, leaf, path, root)
	case "consistency":
		r1, err := b64(c.Root1)
		if err != nil {
			return err
		}
		r2, err := b64(c.Root2)
		if err != nil {
			return err
		}
		return proof.VerifyConsistency(rfc6962.DefaultHasher, c.Size1, c.Size2, path, r1, r2)
	}
	return fmt.Errorf("unknown kind %q", c.Kind)
}

func main() {
	var in struct {
		Cases []testCase `json:"cases"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil || len(in.Cases) == 0 {
		fmt.Fprintln(os.Stderr, "rfc9162check: no cases on stdin:", err)
		os.Exit(2)
	}
	failed := 0
	for _, c := range in.Cases {
		if err := check(c); err != nil {
			failed++
			fmt.Printf("FAIL %s: %v\n", c.Name, err)
		} else {
			fmt.Printf("ok %s\n", c.Name)
		}
	}
	fmt.Printf("rfc9162check: %d ok, %d failing\n", len(in.Cases)-failed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
