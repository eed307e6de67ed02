using EventShadow.Contracts;
using EventShadow.Negotiator.Analysis;
using EventShadow.Negotiator.Manifests;

namespace EventShadow.UnitTests.Analysis;

public sealed class RequirementAnalyzerTests
{
    [Theory]
    [InlineData("redis:7", WorkloadProfile.Cache)]
    [InlineData("docker.io/bitnami/redis:7.2", WorkloadProfile.Cache)]
    [InlineData("redislabs/redismod", WorkloadProfile.Cache)]
    [InlineData("valkey/valkey:8", WorkloadProfile.Cache)]
    [InlineData("memcached:1.6-alpine", WorkloadProfile.Cache)]
    [InlineData("eqalpha/keydb", WorkloadProfile.Cache)]
    [InlineData("postgres:15", WorkloadProfile.Database)]
    [InlineData("bitnami/postgresql:16", WorkloadProfile.Database)]
    [InlineData("mysql", WorkloadProfile.Database)]
    [InlineData("mariadb:10.6.4-focal", WorkloadProfile.Database)]
    [InlineData("mongo:4.2.0", WorkloadProfile.Database)]
    [InlineData("gcr.io/google-samples/cassandra:v14", WorkloadProfile.Database)]
    [InlineData("cockroachdb/cockroach:v1.1.0", WorkloadProfile.Database)]
    [InlineData("couchdb:3", WorkloadProfile.Database)]
    [InlineData("elasticsearch:7.16.1", WorkloadProfile.SearchEngine)]
    [InlineData("quay.io/pires/docker-elasticsearch-kubernetes:5.6.2", WorkloadProfile.SearchEngine)]
    [InlineData("opensearchproject/opensearch:2", WorkloadProfile.SearchEngine)]
    [InlineData("solr:9", WorkloadProfile.SearchEngine)]
    [InlineData("nginx:1.25", WorkloadProfile.WebServer)]
    [InlineData("nginxinc/nginx-unprivileged:1.25", WorkloadProfile.WebServer)]
    [InlineData("localhost:5000/nginx:1", WorkloadProfile.WebServer)]
    [InlineData("httpd:2.4", WorkloadProfile.WebServer)]
    [InlineData("bitnami/apache:2.4", WorkloadProfile.WebServer)]
    [InlineData("caddy:2", WorkloadProfile.WebServer)]
    [InlineData("traefik:v3.0", WorkloadProfile.WebServer)]
    [InlineData("envoyproxy/envoy:v1.30", WorkloadProfile.WebServer)]
    [InlineData("haproxy:2.9", WorkloadProfile.WebServer)]
    [InlineData("tensorflow/serving:2.19.0", WorkloadProfile.GpuInference)]
    [InlineData("vllm/vllm-openai:v0.11.0", WorkloadProfile.GpuInference)]
    [InlineData("nvcr.io/nvidia/tritonserver:24.01-py3", WorkloadProfile.GpuInference)]
    [InlineData("colinianking/stress-ng:latest", WorkloadProfile.Batch)]
    [InlineData("eclipse-temurin:21-jre", WorkloadProfile.JvmService)]
    [InlineData("openjdk:17", WorkloadProfile.JvmService)]
    [InlineData("tomcat:10", WorkloadProfile.JvmService)]
    [InlineData("apache/kafka:3.7.0", WorkloadProfile.JvmService)]
    [InlineData("nextcloud:apache", WorkloadProfile.Generic)]
    [InlineData("wordpress:latest", WorkloadProfile.Generic)]
    [InlineData("grafana/grafana", WorkloadProfile.Generic)]
    [InlineData("tensorflow/tensorflow:2.16.1", WorkloadProfile.Generic)]
    [InlineData("registry.example.com:5000/team/app@sha256:0123abcd", WorkloadProfile.Generic)]
    public void Image_DecidesProfile(string image, WorkloadProfile expected)
    {
        var analysis = RequirementAnalyzer.Analyze(Task(image));

        Assert.Equal(expected, analysis.Profile);
    }

    [Fact]
    public void ProfileHint_NamesDecidingToken()
    {
        var task = Task("redislabs/redismod:latest");

        var analysis = RequirementAnalyzer.Analyze(task);

        var profile = Assert.Single(analysis.Hints, hint => hint.Name == "profile");
        Assert.Equal("Cache", profile.Value);
        Assert.Equal("image redislabs/redismod:latest matches 'redis' (test.yaml: document 1, image (line 1))", profile.Source);
    }

    [Fact]
    public void Hints_KeepTaskHintsFirst()
    {
        var task = Task("postgres:15", hints: [new ResourceHint("memory-limit", "1Gi", "db.yaml: document 1, limits.memory (line 9)")]);

        var analysis = RequirementAnalyzer.Analyze(task);

        Assert.Equal(task.Hints, analysis.Hints.Take(task.Hints.Count));
        Assert.Equal("profile", analysis.Hints[task.Hints.Count].Name);
        Assert.Equal(task.Hints.Count + 1, analysis.Hints.Count);
    }

    [Fact]
    public void GpuResource_WinsOverImage()
    {
        var gpu = new ResourceHint("nvidia.com/gpu-limit", "1", "ml.yaml: document 1, spec.containers[0].resources.limits[\"nvidia.com/gpu\"] (line 12)");
        var task = Task("python:3.12", hints: [gpu]);

        var analysis = RequirementAnalyzer.Analyze(task);

        Assert.Equal(WorkloadProfile.GpuInference, analysis.Profile);
        Assert.Contains("nvidia.com/gpu-limit", analysis.Hints.Single(hint => hint.Name == "profile").Source, StringComparison.Ordinal);
    }

    [Fact]
    public void ComposeGpuDevice_MeansGpuInference()
    {
        var task = Task("python:3.12", hints: [new ResourceHint("gpu-device", "capabilities=gpu count=1", "compose.yaml: document 1, services.ml.deploy.resources.reservations.devices[0] (line 9)")]);

        Assert.Equal(WorkloadProfile.GpuInference, RequirementAnalyzer.Analyze(task).Profile);
    }

    [Fact]
    public void ZeroGpus_DoNotCount()
    {
        var task = Task("nginx:1.25", hints: [new ResourceHint("nvidia.com/gpu-limit", "0", "web.yaml: document 1, limits (line 3)")]);

        Assert.Equal(WorkloadProfile.WebServer, RequirementAnalyzer.Analyze(task).Profile);
    }

    [Theory]
    [InlineData("Job")]
    [InlineData("CronJob")]
    public void BatchKind_WinsOverImage(string kind)
    {
        var task = Task("postgres:15", hints: [new ResourceHint("kind", kind, "backup.yaml: document 1, kind (line 2)")]);

        var analysis = RequirementAnalyzer.Analyze(task);

        Assert.Equal(WorkloadProfile.Batch, analysis.Profile);
        Assert.Equal($"kind {kind} runs to completion (backup.yaml: document 1, kind (line 2))", analysis.Hints.Single(hint => hint.Name == "profile").Source);
    }

    [Theory]
    [InlineData("JAVA_OPTS")]
    [InlineData("JVM_OPTS")]
    [InlineData("ES_JAVA_OPTS")]
    [InlineData("JAVA_TOOL_OPTIONS")]
    public void MaxHeapVariable_MeansJvmService(string variable)
    {
        var task = Task("example/orders:3", environment: new Dictionary<string, string> { [variable] = "-Xms256m -Xmx1g -XX:+UseG1GC" });

        var analysis = RequirementAnalyzer.Analyze(task);

        Assert.Equal(WorkloadProfile.JvmService, analysis.Profile);
        var heap = Assert.Single(analysis.Hints, hint => hint.Name == "jvm-heap");
        Assert.Equal("1024", heap.Value);
        Assert.Equal($"environment variable {variable} of Pod/test/app: -Xmx1g", heap.Source);
    }

    [Fact]
    public void MaxHeapOnSearchImage_KeepsImageProfile()
    {
        var task = Task("elasticsearch:8.13.0", environment: new Dictionary<string, string> { ["ES_JAVA_OPTS"] = "-Xms512m -Xmx512m" });

        var analysis = RequirementAnalyzer.Analyze(task);

        Assert.Equal(WorkloadProfile.SearchEngine, analysis.Profile);
        Assert.Equal("512", analysis.Hints.Single(hint => hint.Name == "jvm-heap").Value);
    }

    [Fact]
    public void LastMaxHeap_TakesEffect()
    {
        var task = Task(
            "example/app:1",
            environment: new Dictionary<string, string> { ["JAVA_TOOL_OPTIONS"] = "-Xmx256m" },
            command: ["java", "-Xmx2g", "-Xmx3g", "-jar", "app.jar"]);

        var heap = RequirementAnalyzer.Analyze(task).Hints.Single(hint => hint.Name == "jvm-heap");

        Assert.Equal("3072", heap.Value);
        Assert.Equal("command line of Pod/test/app: -Xmx3g", heap.Source);
    }

    [Fact]
    public void UnreadableMaxHeap_GivesProfileWithoutHeapHint()
    {
        var task = Task("example/app:1", environment: new Dictionary<string, string> { ["JAVA_OPTS"] = "-Xmx${HEAP}" });

        var analysis = RequirementAnalyzer.Analyze(task);

        Assert.Equal(WorkloadProfile.JvmService, analysis.Profile);
        Assert.DoesNotContain(analysis.Hints, hint => hint.Name == "jvm-heap");
    }

    [Fact]
    public void UnknownImage_IsGeneric()
    {
        var analysis = RequirementAnalyzer.Analyze(Task("example/shop-frontend:2"));

        Assert.Equal(WorkloadProfile.Generic, analysis.Profile);
        Assert.StartsWith("no rule matches image example/shop-frontend:2", analysis.Hints.Single(hint => hint.Name == "profile").Source, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadTask_IsAnalysedFromItsManifest()
    {
        const string text = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: vacuum\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: vacuum\n              image: postgres:15\n";

        var analysis = RequirementAnalyzer.Analyze(Assert.Single(ManifestReader.Read(text, "vacuum.yaml")));

        Assert.Equal(WorkloadProfile.Batch, analysis.Profile);
    }

    [Fact]
    public void Image_DecidesBeforeProfileHint()
    {
        var task = Task("postgres:15", hints: [new ResourceHint("profile-hint", "Cache", "db.json: document 1, hints[0] (line 4): \"cache\"")]);

        Assert.Equal(WorkloadProfile.Database, RequirementAnalyzer.Analyze(task).Profile);
    }

    [Fact]
    public void ProfileHint_DecidesForUnknownImage()
    {
        var hint = new ResourceHint("profile-hint", "Database", "orders.json: document 1, hints[0] (line 4): \"needs a database\"");
        var task = Task("example/orders:3", hints: [hint]);

        var analysis = RequirementAnalyzer.Analyze(task);

        Assert.Equal(WorkloadProfile.Database, analysis.Profile);
        Assert.Equal(
            $"hint profile-hint=Database ({hint.Source}), as no rule matches image example/orders:3",
            analysis.Hints.Single(h => h.Name == "profile").Source);
    }

    [Fact]
    public void ProfileHint_DecidesBeforeMaxHeap()
    {
        var task = Task(
            "example/search:1",
            hints: [new ResourceHint("profile-hint", "SearchEngine", "search.yaml: document 1, metadata.annotations (line 5): \"search engine\"")],
            environment: new Dictionary<string, string> { ["JAVA_OPTS"] = "-Xmx2g" });

        var analysis = RequirementAnalyzer.Analyze(task);

        Assert.Equal(WorkloadProfile.SearchEngine, analysis.Profile);
        Assert.Equal("2048", analysis.Hints.Single(hint => hint.Name == "jvm-heap").Value);
    }

    [Fact]
    public void BatchKind_DecidesBeforeProfileHint()
    {
        var task = Task(
            "example/report:1",
            hints: [new ResourceHint("kind", "Job", "job.yaml: document 1, kind (line 2)"), new ResourceHint("profile-hint", "Database", "job.yaml: document 1, metadata.annotations (line 5): \"db\"")]);

        Assert.Equal(WorkloadProfile.Batch, RequirementAnalyzer.Analyze(task).Profile);
    }

    [Theory]
    [InlineData("search engine, lots of memory", WorkloadProfile.SearchEngine)]
    [InlineData("GPU", WorkloadProfile.GpuInference)]
    [InlineData("needs a database", WorkloadProfile.Database)]
    [InlineData("batch", WorkloadProfile.Batch)]
    [InlineData("lots of memory", WorkloadProfile.Generic)]
    public void PlainText_TakesProfileFromHints(string text, WorkloadProfile expected)
    {
        var task = Assert.Single(ManifestReader.Read(text, "request", "text/plain"));

        var analysis = RequirementAnalyzer.Analyze(task);

        Assert.Equal(expected, analysis.Profile);
    }

    [Fact]
    public void PlainTextWithoutProfile_SaysSo()
    {
        var task = Assert.Single(ManifestReader.Read("tiny", "request", "text/plain"));

        var profile = RequirementAnalyzer.Analyze(task).Hints.Single(hint => hint.Name == "profile");

        Assert.Equal("Generic", profile.Value);
        Assert.StartsWith("the plain-text definition names no profile (request: reference image of the Generic profile", profile.Source, StringComparison.Ordinal);
    }

    private static PartialTask Task(
        string image,
        IReadOnlyList<ResourceHint>? hints = null,
        Dictionary<string, string>? environment = null,
        IReadOnlyList<string>? command = null)
    {
        var container = new ContainerSpec("app", image, command, null, environment ?? [], ResourceBounds.None, ResourceBounds.None);
        var allHints = new List<ResourceHint> { new("image", image, "test.yaml: document 1, image (line 1)") };
        allHints.AddRange(hints ?? []);
        return new PartialTask("Pod/test/app", "kubernetes", container, allHints);
    }
}
