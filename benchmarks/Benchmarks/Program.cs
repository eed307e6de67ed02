using BenchmarkDotNet.Running;
using EventShadow.Benchmarks;

// `warm-vs-cold [--iterations N]` times warm claims against cold starts on the Docker engine.
if (args.Length > 0 && args[0] == WarmColdBenchmark.Command)
{
    return await WarmColdBenchmark.RunAsync(args[1..]);
}

// Runs the benchmarks that --filter selects, for example: --filter '*Manifest*'.
BenchmarkSwitcher.FromAssembly(typeof(ManifestBenchmarks).Assembly).Run(args);
return 0;
