package migrate_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/migrate"
)

func TestLocationJSON(t *testing.T) {
	b, err := json.Marshal(mailconv.Location{File: "In.mbx", Offset: -1})
	require.NoError(t, err)
	assert.JSONEq(t, `{"file":"In.mbx"}`, string(b))
	b, err = json.Marshal(mailconv.Location{File: "In.mbx", Offset: 0})
	require.NoError(t, err)
	assert.JSONEq(t, `{"file":"In.mbx","offset":0}`, string(b))

	var l mailconv.Location
	require.NoError(t, json.Unmarshal([]byte(`{"file":"a"}`), &l))
	assert.Equal(t, mailconv.Location{File: "a", Offset: -1}, l)
	require.NoError(t, json.Unmarshal([]byte(`{"file":"a","offset":7}`), &l))
	assert.Equal(t, mailconv.Location{File: "a", Offset: 7}, l)
}

func TestReportJSONEmptyListsAndRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, (&migrate.Report{}).WriteJSON(&buf))
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(buf.Bytes(), &raw))
	for _, k := range []string{"mailboxes", "skips", "losses", "renames", "warnings"} {
		assert.Equal(t, "[]", string(raw[k]), k)
	}
	for _, k := range []string{"started", "finished", "destination"} {
		assert.NotContains(t, raw, k, "a report without %s leaves it out", k)
	}

	rep := &migrate.Report{Source: migrate.Endpoint{Format: "mbox", Path: "/m"}, Destination: migrate.Endpoint{Format: "maildir", Path: "/o"},
		Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	rep.Add(mailconv.Event{Kind: mailconv.EventWarning, Code: "x.y", Location: &mailconv.Location{File: "f", Offset: -1}, Detail: "d"})
	buf.Reset()
	require.NoError(t, rep.WriteJSON(&buf))
	var back migrate.Report
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Equal(t, rep.Destination, back.Destination)
	assert.True(t, rep.Started.Equal(back.Started))
	require.Len(t, back.Warnings, 1)
	assert.Equal(t, int64(-1), back.Warnings[0].Location.Offset)
	assert.Equal(t, 1, back.Totals.Warnings)
}
