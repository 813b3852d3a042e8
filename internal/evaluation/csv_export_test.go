package evaluation

// CSVSafe is csvSafe, for the tests.
var CSVSafe = csvSafe
