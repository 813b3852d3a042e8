package growth

// AllVisible is allVisible, for the tests.
var AllVisible = allVisible
