using EventShadow.Contracts;
using EventShadow.Negotiator;
using EventShadow.Negotiator.Allocation;
using EventShadow.Negotiator.Analysis;
using EventShadow.Negotiator.Manifests;
using Microsoft.Extensions.Options;

namespace EventShadow.UnitTests.Negotiator;

public sealed class ProposalHintTests
{
    private const string Source = "app.json: document 1, hints[0] (line 4): \"x\"";

    private static readonly AllocationRecommender Recommender = new(Options.Create(new NegotiationOptions()));

    private static readonly ResourceHint MemoryHigh = new("memory-intensity", "high", Source);
    private static readonly ResourceHint MemoryLow = new("memory-intensity", "low", Source);
    private static readonly ResourceHint CpuHigh = new("cpu-intensity", "high", Source);
    private static readonly ResourceHint LatencySensitive = new("latency-sensitive", "true", Source);

    private static ResourceHint Setting(string name, int mebibytes) => new(name, $"{mebibytes}", $"command line of json/app: {name}");

    /// <summary>
    /// Profile, hints, manifest requests and limits, the allocation expected and a fragment the rationale must contain.
    /// Defaults: Generic 250m/256 MiB, Database 500m/512 MiB, WebServer 250m/128 MiB; maximum 8192 MiB.
    /// </summary>
    public static TheoryData<WorkloadProfile, ResourceHint[], ResourceBounds, ResourceBounds, ResourceAllocation, string> Effects() => new()
    {
        { WorkloadProfile.Generic, [MemoryHigh], ResourceBounds.None, ResourceBounds.None, new(250, 512),
            $"memory 512 MiB, twice the profile default of 256 MiB for hint memory-intensity=high ({Source}), as the manifest states none" },
        { WorkloadProfile.Generic, [MemoryLow], ResourceBounds.None, ResourceBounds.None, new(250, 128),
            $"memory 128 MiB, half the profile default of 256 MiB for hint memory-intensity=low ({Source})" },
        { WorkloadProfile.WebServer, [MemoryLow], ResourceBounds.None, ResourceBounds.None, new(250, 64),
            "memory 64 MiB, half the profile default of 128 MiB" },
        { WorkloadProfile.Generic, [CpuHigh], ResourceBounds.None, ResourceBounds.None, new(500, 256),
            $"CPU 500m, twice the profile default of 250m for hint cpu-intensity=high ({Source}), as the manifest states none" },
        { WorkloadProfile.Generic, [LatencySensitive], ResourceBounds.None, ResourceBounds.None, new(500, 256),
            $"CPU 500m, twice the profile default of 250m for hint latency-sensitive=true ({Source})" },
        { WorkloadProfile.Generic, [CpuHigh, LatencySensitive], ResourceBounds.None, ResourceBounds.None, new(500, 256),
            $"for hints cpu-intensity=high ({Source}) and latency-sensitive=true ({Source})" },
        { WorkloadProfile.Database, [MemoryHigh, CpuHigh], ResourceBounds.None, ResourceBounds.None, new(1000, 1024),
            "memory 1024 MiB, twice the profile default of 512 MiB" },
        { WorkloadProfile.JvmService, [Setting("jvm-heap", 2048)], ResourceBounds.None, ResourceBounds.None, new(500, 2624),
            "memory 2624 MiB for the 2048 MiB of jvm-heap (command line of json/app: jvm-heap) plus a margin of 25% and 64 MiB, instead of memory 1024 MiB, the profile default" },
        { WorkloadProfile.Database, [Setting("postgres-shared-buffers", 1024)], ResourceBounds.None, ResourceBounds.None, new(500, 1344),
            "memory 1344 MiB for the 1024 MiB of postgres-shared-buffers" },
        { WorkloadProfile.Database, [Setting("innodb-buffer-pool-size", 4096)], ResourceBounds.None, ResourceBounds.None, new(500, 5184),
            "memory 5184 MiB for the 4096 MiB of innodb-buffer-pool-size" },
        { WorkloadProfile.Cache, [Setting("redis-maxmemory", 100)], ResourceBounds.None, ResourceBounds.None, new(250, 256),
            "memory 256 MiB, the profile default, as the manifest states none" },
        { WorkloadProfile.Cache, [Setting("redis-maxmemory", 100), Setting("jvm-heap", 800)], ResourceBounds.None, ResourceBounds.None, new(250, 1064),
            "memory 1064 MiB for the 800 MiB of jvm-heap" },
        { WorkloadProfile.Database, [Setting("innodb-buffer-pool-size", 8000)], ResourceBounds.None, ResourceBounds.None, new(500, 8192),
            "memory 10064 MiB for the 8000 MiB of innodb-buffer-pool-size (command line of json/app: innodb-buffer-pool-size) plus a margin of 25% and 64 MiB, instead of memory 512 MiB, the profile default, as the manifest states none, clamped to the maximum of 8192 MiB (Negotiation:MaxMemoryMiB)" },
        { WorkloadProfile.Generic, [MemoryHigh, Setting("jvm-heap", 256)], ResourceBounds.None, ResourceBounds.None, new(250, 512),
            "memory 512 MiB, twice the profile default of 256 MiB" },
        { WorkloadProfile.Generic, [MemoryHigh], ResourceBounds.None, new(null, 300), new(250, 300),
            $"memory 300 MiB from the manifest's limit (hint memory-intensity=high ({Source}) is not applied because the manifest states memory)" },
        { WorkloadProfile.Generic, [MemoryLow], new(null, 100), ResourceBounds.None, new(250, 256),
            "memory 256 MiB, the profile default, above the manifest's request of 100 MiB (hint memory-intensity=low" },
        { WorkloadProfile.Generic, [CpuHigh], new(100, null), ResourceBounds.None, new(250, 256),
            $"CPU 250m, the profile default, above the manifest's request of 100m (hint cpu-intensity=high ({Source}) is not applied because the manifest states CPU)" },
        { WorkloadProfile.Generic, [CpuHigh, LatencySensitive], ResourceBounds.None, new(1000, null), new(1000, 256),
            "CPU 1000m from the manifest's limit (hints cpu-intensity=high" },
        { WorkloadProfile.Database, [Setting("postgres-shared-buffers", 1024)], ResourceBounds.None, new(null, 512), new(500, 512),
            "memory 512 MiB from the manifest's limit (the 1024 MiB of postgres-shared-buffers (command line of json/app: postgres-shared-buffers) plus a margin of 25% and 64 MiB is not applied because the manifest states a memory limit)" },
        { WorkloadProfile.Database, [Setting("postgres-shared-buffers", 1024)], new(null, 2048), ResourceBounds.None, new(500, 2048),
            "memory 2048 MiB from the manifest's request, above the default of 512 MiB" },
        { WorkloadProfile.Database, [Setting("postgres-shared-buffers", 1024)], new(null, 600), ResourceBounds.None, new(500, 1344),
            "memory 1344 MiB for the 1024 MiB of postgres-shared-buffers (command line of json/app: postgres-shared-buffers) plus a margin of 25% and 64 MiB, instead of memory 600 MiB from the manifest's request" },
    };

    [Theory]
    [MemberData(nameof(Effects))]
    public void Hint_ChangesFirstProposal(
        WorkloadProfile profile, ResourceHint[] hints, ResourceBounds requests, ResourceBounds limits, ResourceAllocation expected, string expectedFragment)
    {
        var container = new ContainerSpec("app", "example/app:1", null, null, new Dictionary<string, string>(), requests, limits);

        var proposal = Recommender.Propose(profile, container, hints);

        Assert.Equal(expected, proposal.Allocation);
        Assert.Contains(expectedFragment, proposal.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void NoHints_KeepFormerProposal()
    {
        var container = new ContainerSpec("app", "redis:7", null, null, new Dictionary<string, string>(), ResourceBounds.None, ResourceBounds.None);

        var withoutHints = Recommender.Propose(WorkloadProfile.Cache, container);
        var withOtherHints = Recommender.Propose(WorkloadProfile.Cache, container, [new ResourceHint("replicas", "3", "a.yaml: line 5")]);

        Assert.Equal(withoutHints, withOtherHints);
        Assert.Equal(
            "First proposal for a cache workload: memory 256 MiB, the profile default, as the manifest states none; "
            + "CPU 250m, the profile default, as the manifest states none.",
            withoutHints.Rationale);
    }

    [Fact]
    public void ConfiguredDefaults_AreScaled()
    {
        var options = new NegotiationOptions();
        options.Defaults[WorkloadProfile.Generic] = new ResourceAllocation(300, 1000);
        var recommender = new AllocationRecommender(Options.Create(options));
        var container = new ContainerSpec("app", "example/app:1", null, null, new Dictionary<string, string>(), ResourceBounds.None, ResourceBounds.None);

        var proposal = recommender.Propose(WorkloadProfile.Generic, container, [MemoryLow, CpuHigh]);

        Assert.Equal(new ResourceAllocation(600, 500), proposal.Allocation);
    }

    [Fact]
    public void PlainText_IsProposedFromItsHints()
    {
        var task = Assert.Single(ManifestReader.Read("needs a database, lots of memory\nlatency sensitive", "request", "text/plain"));
        var analysis = RequirementAnalyzer.Analyze(task);

        var proposal = Recommender.Propose(analysis.Profile, task.Container, analysis.Hints);

        Assert.Equal(WorkloadProfile.Database, analysis.Profile);
        Assert.Equal(new ResourceAllocation(1000, 1024), proposal.Allocation);
        Assert.Contains("for hint memory-intensity=high (request: request body, line 1: \"lots of memory\")", proposal.Rationale, StringComparison.Ordinal);
        Assert.Contains("for hint latency-sensitive=true (request: request body, line 2: \"latency sensitive\")", proposal.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void PostgresSetting_IsProposedAsFloor()
    {
        const string text = """{"name": "db", "image": "postgres:15", "args": ["-c", "shared_buffers=2GB"]}""";
        var task = Assert.Single(ManifestReader.Read(text, "db.json"));
        var analysis = RequirementAnalyzer.Analyze(task);

        var proposal = Recommender.Propose(analysis.Profile, task.Container, analysis.Hints);

        Assert.Equal(new ResourceAllocation(500, 2624), proposal.Allocation);
        Assert.Contains("the 2048 MiB of postgres-shared-buffers (command line of json/db: -c shared_buffers=2GB)", proposal.Rationale, StringComparison.Ordinal);
    }
}
