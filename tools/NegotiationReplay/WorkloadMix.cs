using System.Globalization;

namespace EventShadow.NegotiationReplay;

/// <summary>
/// A workload of the replay: a stress-ng command whose memory use is known from its settings.
/// </summary>
/// <param name="Name">Deployment name, borrowed from a real service of the manifests this mix imitates.</param>
/// <param name="Args">stress-ng arguments; <c>--vm-keep</c> keeps the memory resident for the whole run.</param>
/// <param name="NominalMiB">Memory the settings ask for, before stress-ng's own overhead.</param>
public sealed record ReplayWorkload(string Name, IReadOnlyList<string> Args, int NominalMiB)
{
    /// <summary>Returns a Kubernetes Deployment without resources that runs this workload.</summary>
    public string ToManifest()
    {
        var args = string.Join(", ", Args.Select(arg => $"\"{arg}\""));
        return $$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{Name}}
            spec:
              selector:
                matchLabels: {app: {{Name}}}
              template:
                metadata:
                  labels: {app: {{Name}}}
                spec:
                  containers:
                    - name: {{Name}}
                      image: colinianking/stress-ng:latest
                      args: [{{args}}]
            """;
    }
}

/// <summary>
/// The replay's workload mix: memory-bound services of the real manifests' shapes (a cart, a catalog,
/// a search index, a cache, a queue worker ...) played by stress-ng with known footprints, and two
/// CPU-bound ones whose memory is small.
/// </summary>
public static class WorkloadMix
{
    public static IReadOnlyList<ReplayWorkload> Default { get; } =
    [
        Memory("cartservice", 48),
        Memory("productcatalog", 96),
        Memory("redis-cart", 160),
        Memory("checkoutservice", 220),
        Memory("recommendation", 300),
        Memory("elasticsearch", 420),
        Memory("cassandra", 600),
        Cpu("currencyservice"),
        Cpu("loadgenerator"),
    ];

    private static ReplayWorkload Memory(string name, int mebibytes) =>
        new(name, ["--vm", "1", "--vm-bytes", string.Create(CultureInfo.InvariantCulture, $"{mebibytes}M"), "--vm-keep"], mebibytes);

    private static ReplayWorkload Cpu(string name) => new(name, ["--cpu", "1", "--cpu-load", "60"], 0);
}
