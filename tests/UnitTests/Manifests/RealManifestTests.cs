using EventShadow.Contracts;
using EventShadow.Negotiator.Analysis;
using EventShadow.Negotiator.Manifests;

namespace EventShadow.UnitTests.Manifests;

/// <summary>
/// Reads the public manifests under tests/data/manifests (see SOURCES.md there) and the samples of this
/// repository, so that the reader is held to what people really write.
/// </summary>
public sealed class RealManifestTests
{
    /// <summary>Files under tests/data/manifests besides SOURCES.md; update it when adding or removing one.</summary>
    private const int RealManifestCount = 20;

    private static readonly string DataFolder = Path.Combine(AppContext.BaseDirectory, "data", "manifests");

    [Fact]
    public void EveryRealManifest_ReadsWithTasks()
    {
        Assert.True(Directory.Exists(DataFolder), $"{DataFolder} is missing; the test project copies tests/data into its output");
        var files = Directory.GetFiles(DataFolder, "*", SearchOption.AllDirectories)
            .Where(file => Path.GetFileName(file) != "SOURCES.md")
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(RealManifestCount, files.Count);
        var failures = new List<string>();
        foreach (var file in files)
        {
            var name = Path.GetRelativePath(DataFolder, file);
            Assert.True(Path.GetExtension(file) is ".yaml" or ".yml" or ".json", $"{name} is not a manifest file");
            try
            {
                var tasks = ManifestReader.Read(File.ReadAllText(file), name);
                if (tasks.Count == 0 || tasks.Any(task => string.IsNullOrWhiteSpace(task.Container.Image)))
                {
                    failures.Add($"{name}: {tasks.Count} tasks, or a task without image");
                }
            }
            catch (ManifestException ex)
            {
                failures.Add(ex.Message);
            }
        }

        Assert.Empty(failures);
    }

    [Fact]
    public void ReleaseManifest_GivesEveryService()
    {
        var tasks = Read("k8s/microservices-demo__release_kubernetes-manifests.yaml");

        Assert.Equal(12, tasks.Count);
        Assert.Contains(tasks, task => task.Name == "Deployment/redis-cart/redis");
        Assert.All(tasks, task => Assert.False(task.Container.Limits.IsEmpty));
        var loadGenerator = Assert.Single(tasks, task => task.Name == "Deployment/loadgenerator/main");
        Assert.Equal(new ResourceBounds(300, 256), loadGenerator.Container.Requests);
        Assert.Equal(new ResourceBounds(500, 512), loadGenerator.Container.Limits);
        Assert.Contains(loadGenerator.Hints, hint => hint.Name == "init-container-image" && hint.Value.StartsWith("busybox:1.38.0@sha256:", StringComparison.Ordinal));
    }

    [Fact]
    public void CockroachStatefulSet_SkipsServicesAndBudget()
    {
        var task = Assert.Single(Read("k8s/k8s-examples___archived_cockroachdb_cockroachdb-statefulset.yaml"));

        Assert.Equal("StatefulSet/cockroachdb/cockroachdb", task.Name);
        Assert.Equal(["/bin/bash", "-ecx"], task.Container.Command!.Take(2));
        Assert.Equal("cockroachdb/cockroach-k8s-init:0.2", task.Hints.Single(hint => hint.Name == "init-container-image").Value);
        Assert.Equal(WorkloadProfile.Database, RequirementAnalyzer.Analyze(task).Profile);
    }

    [Fact]
    public void VllmDeployment_ReadsGpuAndSkipsSecretEnv()
    {
        var task = Assert.Single(Read("k8s/k8s-examples__AI_vllm-deployment_vllm-deployment.yaml"));

        Assert.Equal(new ResourceBounds(2000, 10240), task.Container.Limits);
        Assert.Equal("1", task.Hints.Single(hint => hint.Name == "nvidia.com/gpu-limit").Value);
        Assert.Equal("google/gemma-3-1b-it", task.Container.Environment["MODEL_ID"]);
        Assert.False(task.Container.Environment.ContainsKey("HUGGING_FACE_HUB_TOKEN"));
        Assert.Equal(WorkloadProfile.GpuInference, RequirementAnalyzer.Analyze(task).Profile);
    }

    [Fact]
    public void MysqlPod_ReadsNumericCpuLimit()
    {
        var task = Assert.Single(Read("k8s/k8s-examples__databases_mysql-cinder-pd_mysql.yaml"));

        Assert.Equal(new ResourceBounds(500, null), task.Container.Limits);
        Assert.Equal(["--ignore-db-dir", "lost+found"], task.Container.Args);
    }

    [Fact]
    public void CpuManagerPod_ReadsDecimalMegabytes()
    {
        var task = Assert.Single(Read("k8s/k8s-examples___archived_cpu-manager_exclusive-1.yaml"));

        // 256M is 256,000,000 bytes, 244.14 MiB: the limit rounds down so that an allocation stays within
        // it, and the request of the same size, which would round up to 245 MiB, is lowered to the limit.
        Assert.Equal(new ResourceBounds(1000, 244), task.Container.Limits);
        Assert.Equal(244, task.Container.Requests.MemoryMiB);
    }

    [Fact]
    public void MinecraftCompose_ReadsDeployMemoryLimit()
    {
        var task = Assert.Single(Read("compose/minecraft.compose.yaml"));

        Assert.Equal("compose/minecraft", task.Name);
        Assert.Equal(1536, task.Container.Limits.MemoryMiB);
        Assert.Equal("TRUE", task.Container.Environment["EULA"]);
    }

    [Fact]
    public void ElkCompose_ReadsServicesAndJvmHeap()
    {
        var tasks = Read("compose/elasticsearch-logstash-kibana.compose.yaml");

        Assert.Equal(["compose/elasticsearch", "compose/logstash", "compose/kibana"], tasks.Select(task => task.Name));
        Assert.Equal(["logstash", "-f", "/usr/share/logstash/pipeline/logstash-nginx.config"], tasks[1].Container.Args);
        var search = RequirementAnalyzer.Analyze(tasks[0]);
        Assert.Equal(WorkloadProfile.SearchEngine, search.Profile);
        Assert.Equal("512", search.Hints.Single(hint => hint.Name == "jvm-heap").Value);
        Assert.Equal(WorkloadProfile.JvmService, RequirementAnalyzer.Analyze(tasks[1]).Profile);
    }

    [Fact]
    public void BuildOnlyServices_AreSkippedInRealFiles()
    {
        var tasks = Read("compose/react-express-mongodb.compose.yaml");

        var mongo = Assert.Single(tasks);
        Assert.Equal("compose/mongo", mongo.Name);
        Assert.Equal(
            ["frontend", "backend"],
            mongo.Hints.Where(hint => hint.Name == "skipped-service").Select(hint => hint.Value.Split(':')[0]));
    }

    [Theory]
    [InlineData("redis-deployment.yaml", "Deployment/redis/redis", "redis:7", WorkloadProfile.Cache)]
    [InlineData("nginx-compose.yaml", "compose/web", "nginx:1.25", WorkloadProfile.WebServer)]
    [InlineData("memory-hog-deployment.yaml", "Deployment/memory-hog/memory-hog", "colinianking/stress-ng:latest", WorkloadProfile.Batch)]
    [InlineData("postgres-pod.yaml", "Pod/postgres/postgres", "postgres:15", WorkloadProfile.Database)]
    public void Sample_ReadsWithoutResources(string file, string expectedName, string expectedImage, WorkloadProfile expectedProfile)
    {
        var path = Path.Combine(RepositoryRoot(), "samples", file);

        var task = Assert.Single(ManifestReader.Read(File.ReadAllText(path), file));

        Assert.Equal(expectedName, task.Name);
        Assert.Equal(expectedImage, task.Container.Image);
        Assert.True(task.Container.Requests.IsEmpty);
        Assert.True(task.Container.Limits.IsEmpty);
        Assert.Equal(expectedProfile, RequirementAnalyzer.Analyze(task).Profile);
    }

    [Fact]
    public void MemoryHogSample_KeepsStressArguments()
    {
        var path = Path.Combine(RepositoryRoot(), "samples", "memory-hog-deployment.yaml");

        var task = Assert.Single(ManifestReader.Read(File.ReadAllText(path), "memory-hog-deployment.yaml"));

        Assert.Equal(["--vm", "1", "--vm-bytes", "300M", "--vm-keep"], task.Container.Args);
    }

    private static IReadOnlyList<PartialTask> Read(string relativePath) =>
        ManifestReader.Read(File.ReadAllText(Path.Combine(DataFolder, relativePath)), relativePath);

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "EventShadow.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No EventShadow.sln above {AppContext.BaseDirectory}; run the tests from the repository checkout");
    }
}
