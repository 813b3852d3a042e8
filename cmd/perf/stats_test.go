package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestMedian(t *testing.T) {
	t.Parallel()
	assert.Zero(t, median(nil))
	assert.Equal(t, 7.0, median([]float64{7}))
	assert.Equal(t, 3.0, median([]float64{9, 1, 3}), "the middle of three, whatever their order")
	assert.Equal(t, 2.5, median([]float64{4, 1, 3, 2}), "the mean of the middle two of four")
	in := []float64{3, 1, 2}
	median(in)
	assert.Equal(t, []float64{3, 1, 2}, in, "the caller's values keep their order")
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	assert.Equal(t, 50.0, percentile(d, 50))
	assert.Equal(t, 99.0, percentile(d, 99))
	assert.Equal(t, 100.0, percentile(d, 100))
	assert.Equal(t, 1.0, percentile(d, 1))
	assert.Equal(t, 2.5, percentile([]time.Duration{2500 * time.Microsecond}, 99))
	assert.Zero(t, percentile(nil, 99))
	assert.Equal(t, 100*time.Millisecond, d[0], "the caller's values keep their order")
}

func TestRatio(t *testing.T) {
	t.Parallel()
	assert.Equal(t, 0.25, ratio(1, 4))
	assert.Zero(t, ratio(1, 0), "no figure to compare with")
}

func TestFigureIsTheMedianOfTheRuns(t *testing.T) {
	t.Parallel()
	runs := []measures{{"a": 10, "b": 1}, {"a": 30, "b": 2}, {"a": 20}}
	med, each := figure(runs, "a", 0)
	assert.Equal(t, "20", med)
	assert.Equal(t, "(10, 30, 20)", each)
	med, _ = figure(runs, "b", 0)
	assert.Empty(t, med, "a figure some run lacks is not shown")
	med, each = figure(runs[:1], "a", 1)
	assert.Equal(t, "10.0", med)
	assert.Empty(t, each, "one run: no brackets")
}
