// Package batch runs many conversions, one per account, from a jobs file:
// a fixed number at a time, each with its own journal and report in a
// state directory, so that a batch run again continues what was not
// finished and passes over what was, and so that several processes (a
// Kubernetes Indexed Job, a Slurm array, GNU parallel over hosts) can share
// the work with Shard and merge their states with Merge.
//
// The package schedules, retries and records; it does not know formats or
// command-line options. The caller gives a RunFunc that converts one job
// (the mailconv command converts in-process through mailconv.Convert).
//
// A job's files in the state directory are named after its ID:
//
//	ID.journal      the conversion's journal (see mailconv.Journal)
//	ID.report.json  the report of its last run (mailconv.Report)
//	ID.state.json   its row of the summary (Row), written when a run ends
//
// Each file has one writer: the process that owns the job. Processes that
// share a directory therefore never write the same file. docs/batch.md
// describes the jobs file, sharding and the summary.
package batch
