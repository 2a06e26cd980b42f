package migrate_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/migrate"
)

// The day's budget survives the run: a journal opened again the same day
// starts from what was spent; the next UTC day starts from zero.
func TestDayBudgetKeptInJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal")
	clock := time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }

	j, err := migrate.OpenJournal(path, false)
	require.NoError(t, err)
	b, err := migrate.NewDayBudget(j, 1000, now)
	require.NoError(t, err)
	require.NoError(t, b.Allow(0, 600))
	require.NoError(t, b.Spend(600))
	require.NoError(t, b.Allow(0, 400))
	require.NoError(t, b.Spend(400))
	err = b.Allow(0, 1)
	var be *migrate.BudgetError
	require.True(t, errors.As(err, &be), "%v", err)
	assert.True(t, errors.Is(err, mailconv.ErrBudget))
	assert.Equal(t, int64(1000), be.Used)
	assert.Equal(t, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), be.Next.UTC())
	assert.Contains(t, err.Error(), "run the same command again after")
	require.NoError(t, j.Close())
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(string(raw), `"t":"budget"`))

	// A later run the same day (the journal is read again, as the
	// process would at start) finds the budget spent.
	j, err = migrate.OpenJournal(path, false)
	require.NoError(t, err)
	defer j.Close()
	b2, err := migrate.NewDayBudget(j, 1000, now)
	require.NoError(t, err)
	assert.Equal(t, int64(1000), b2.Used())
	assert.ErrorIs(t, b2.Allow(0, 10), mailconv.ErrBudget)

	// The next day it starts again; a message larger than the whole
	// budget goes as the day's first.
	clock = clock.Add(3 * time.Hour)
	assert.NoError(t, b2.Allow(0, 10))
	assert.Zero(t, b2.Used())
	assert.NoError(t, b2.Allow(0, 5000))
	require.NoError(t, b2.Spend(5000))
	assert.ErrorIs(t, b2.Allow(0, 1), mailconv.ErrBudget)

	// Octets in flight count: a large message is the day's first only
	// when nothing else is on its way.
	clock = clock.Add(24 * time.Hour)
	assert.NoError(t, b2.Allow(0, 5000))
	assert.ErrorIs(t, b2.Allow(600, 500), mailconv.ErrBudget)
	assert.NoError(t, b2.Allow(400, 500))
}
