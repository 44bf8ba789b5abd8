module example.com/cdsemu

go 1.19
