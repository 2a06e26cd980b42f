package batch_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/mailconv/mailconv/batch"
	"github.com/mailconv/mailconv/migrate"
)

// A jobs file of three accounts, the share of task 1 of 2, and a run with
// a RunFunc that only pretends to convert (the mailconv command's converts
// in-process with mailconv.Convert).
func Example() {
	jobs, err := batch.ParseJobs(strings.NewReader(`id,src,dst,opts
alice,eudora:/srv/old/alice,imaps://alice@mail.example.org,
bob,mbox:/srv/old/bob,imaps://bob@mail.example.org,"--exclude 'Junk Mail'"
carol,mbox:/srv/old/carol,imaps://carol@mail.example.org,
`), "jobs.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	mine, _ := batch.Select(jobs, batch.Shard{I: 1, N: 2}, "")
	fmt.Println("task 1 of 2 runs:", mine[0].ID, mine[0].Opts)

	dir, _ := os.MkdirTemp("", "batch-example")
	defer os.RemoveAll(dir)
	sum, err := batch.Run(context.Background(), jobs, batch.Options{StateDir: dir, Parallel: 2,
		Run: func(ctx context.Context, j batch.Job, f batch.Files, progress func(migrate.Progress)) (batch.Result, error) {
			rep := &migrate.Report{}
			rep.Totals.MessagesRead, rep.Totals.MessagesWritten = len(j.ID), len(j.ID)
			return batch.Result{Report: rep, Recorded: len(j.ID)}, nil
		}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range sum.Rows {
		fmt.Println(r.ID, r.State, r.Written)
	}
	fmt.Println("exit", sum.ExitCode())
	// Output:
	// task 1 of 2 runs: bob [--exclude Junk Mail]
	// alice done 5
	// bob done 3
	// carol done 5
	// exit 0
}
