using BenchmarkDotNet.Running;
using EventShadow.Benchmarks;

// Runs the benchmarks that --filter selects, for example: --filter '*Manifest*'.
BenchmarkSwitcher.FromAssembly(typeof(ManifestBenchmarks).Assembly).Run(args);
