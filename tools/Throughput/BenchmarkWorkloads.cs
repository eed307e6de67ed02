using System.Globalization;

namespace EventShadow.Throughput;

/// <summary>
/// The manifests a run submits: a Redis Deployment without resources or ports, so that its trials
/// can use warm shadows and the Validator's cache suite.
/// </summary>
public static class BenchmarkWorkloads
{
    /// <summary>
    /// Returns the manifest of negotiation <paramref name="index"/>. The fast path submits one workload
    /// every time; the full path gives each negotiation other arguments, so that it is a workload with
    /// no history of its own and runs a trial. <paramref name="runId"/> keeps workloads of separate runs apart.
    /// </summary>
    public static string Manifest(BenchmarkPath path, string runId, int index)
    {
        var name = path == BenchmarkPath.Fast ? $"bench-fast-{runId}" : $"bench-full-{runId}-{index}";
        var maxClients = path == BenchmarkPath.Fast ? "10000" : (10_000 + index).ToString(CultureInfo.InvariantCulture);
        return $"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {name}
            spec:
              selector:
                matchLabels:
                  app: {name}
              template:
                metadata:
                  labels:
                    app: {name}
                spec:
                  containers:
                    - name: cache
                      image: redis:7
                      args: ["--save", "", "--appendonly", "no", "--maxclients", "{maxClients}", "--dbfilename", "{runId}.rdb"]
            """;
    }
}
