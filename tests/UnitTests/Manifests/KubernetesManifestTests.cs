using EventShadow.Contracts;
using EventShadow.Negotiator.Manifests;
using static EventShadow.UnitTests.Manifests.ManifestAssert;

namespace EventShadow.UnitTests.Manifests;

public sealed class KubernetesManifestTests
{
    private const string PodSpec = """
        containers:
          - name: app
            image: registry.example.com/team/app:1.4
        """;

    /// <summary>Wraps <see cref="PodSpec"/> at the place where each kind keeps its pod template.</summary>
    private static string Workload(string kind, string apiVersion)
    {
        var (opening, depth) = kind switch
        {
            "Pod" => ("spec:\n", 2),
            "CronJob" => ("spec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n", 10),
            _ => ("spec:\n  template:\n    spec:\n", 6),
        };
        var indentedPodSpec = string.Join('\n', PodSpec.Split('\n').Select(line => new string(' ', depth) + line));
        return $"apiVersion: {apiVersion}\nkind: {kind}\nmetadata:\n  name: web\n{opening}{indentedPodSpec}\n";
    }

    [Theory]
    [InlineData("Pod", "v1", "spec.containers[0].image")]
    [InlineData("Deployment", "apps/v1", "spec.template.spec.containers[0].image")]
    [InlineData("Deployment", "extensions/v1beta1", "spec.template.spec.containers[0].image")]
    [InlineData("Deployment", "apps/v1beta1", "spec.template.spec.containers[0].image")]
    [InlineData("Deployment", "apps/v1beta2", "spec.template.spec.containers[0].image")]
    [InlineData("StatefulSet", "apps/v1", "spec.template.spec.containers[0].image")]
    [InlineData("ReplicaSet", "apps/v1", "spec.template.spec.containers[0].image")]
    [InlineData("ReplicationController", "v1", "spec.template.spec.containers[0].image")]
    [InlineData("DaemonSet", "extensions/v1beta1", "spec.template.spec.containers[0].image")]
    [InlineData("Job", "batch/v1", "spec.template.spec.containers[0].image")]
    [InlineData("CronJob", "batch/v1beta1", "spec.jobTemplate.spec.template.spec.containers[0].image")]
    public void WorkloadKind_GivesOneTaskPerContainer(string kind, string apiVersion, string imagePath)
    {
        var text = Workload(kind, apiVersion);

        var task = Assert.Single(ManifestReader.Read(text, "web.yaml"));

        Assert.Equal($"{kind}/web/app", task.Name);
        Assert.Equal("kubernetes", task.Format);
        Assert.Equal("app", task.Container.Name);
        Assert.Equal("registry.example.com/team/app:1.4", task.Container.Image);
        Assert.Equal(ResourceBounds.None, task.Container.Requests);
        Assert.Equal(ResourceBounds.None, task.Container.Limits);
        Assert.Equal($"web.yaml: document 1, {imagePath} (line {LineOf(text, "image:")})", Hint(task, "image").Source);
        Assert.Equal(kind, Hint(task, "kind").Value);
        Assert.Equal("web.yaml: document 1, kind (line 2)", Hint(task, "kind").Source);
    }

    [Fact]
    public void ContainerFields_AreRead()
    {
        const string text = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: api
            spec:
              containers:
                - name: api
                  image: example/api:2
                  command: ["/bin/api", "serve"]
                  args:
                    - --port
                    - 8080
                  env:
                    - name: MODE
                      value: production
                    - name: EMPTY
                    - name: TOKEN
                      valueFrom:
                        secretKeyRef:
                          name: api
                          key: token
                    - name: MODE
                      value: staging
                  resources:
                    requests:
                      cpu: 250m
                      memory: 128Mi
                    limits:
                      cpu: "1"
                      memory: 1Gi
            """;

        var container = Assert.Single(ManifestReader.Read(text, "api.yaml")).Container;

        Assert.Equal(["/bin/api", "serve"], container.Command);
        Assert.Equal(["--port", "8080"], container.Args);
        Assert.Equal("staging", container.Environment["MODE"]);
        Assert.Equal(string.Empty, container.Environment["EMPTY"]);
        Assert.False(container.Environment.ContainsKey("TOKEN"));
        Assert.Equal(new ResourceBounds(250, 128), container.Requests);
        Assert.Equal(new ResourceBounds(1000, 1024), container.Limits);
    }

    [Fact]
    public void ResourceHints_NameDocumentPathAndLine()
    {
        const string text = """
            apiVersion: v1
            kind: Service
            metadata:
              name: redis
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: redis
            spec:
              replicas: 2
              template:
                spec:
                  containers:
                    - name: redis
                      image: redis:7
                      resources:
                        requests:
                          cpu: 100m
                          memory: 64Mi
                        limits:
                          memory: 128Mi
                          nvidia.com/gpu: 1
            """;

        var task = Assert.Single(ManifestReader.Read(text, "redis.yaml"));

        const string container = "spec.template.spec.containers[0]";
        Assert.Equal(
            [
                new ResourceHint("kind", "Deployment", $"redis.yaml: document 2, kind (line 7)"),
                new ResourceHint("image", "redis:7", $"redis.yaml: document 2, {container}.image (line 16)"),
                new ResourceHint("cpu-request", "100m", $"redis.yaml: document 2, {container}.resources.requests.cpu (line 19)"),
                new ResourceHint("memory-request", "64Mi", $"redis.yaml: document 2, {container}.resources.requests.memory (line 20)"),
                new ResourceHint("memory-limit", "128Mi", $"redis.yaml: document 2, {container}.resources.limits.memory (line 22)"),
                new ResourceHint("nvidia.com/gpu-limit", "1", $"redis.yaml: document 2, {container}.resources.limits[\"nvidia.com/gpu\"] (line 23)"),
                new ResourceHint("replicas", "2", "redis.yaml: document 2, spec.replicas (line 11)"),
            ],
            task.Hints);
        Assert.Equal(new ResourceBounds(100, 64), task.Container.Requests);
        Assert.Equal(new ResourceBounds(null, 128), task.Container.Limits);
    }

    [Fact]
    public void SeveralContainers_GiveOneTaskEach()
    {
        const string text = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: shop
            spec:
              template:
                spec:
                  containers:
                    - name: web
                      image: nginx:1.25
                    - name: log-shipper
                      image: fluent/fluent-bit:3
            """;

        var tasks = ManifestReader.Read(text, "shop.yaml");

        Assert.Equal(["Deployment/shop/web", "Deployment/shop/log-shipper"], tasks.Select(task => task.Name));
        Assert.Equal(["nginx:1.25", "fluent/fluent-bit:3"], tasks.Select(task => task.Container.Image));
    }

    [Fact]
    public void InitContainer_BecomesHintsOnEveryTask()
    {
        const string text = """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: db
            spec:
              template:
                spec:
                  initContainers:
                    - name: setup
                      image: busybox:1.36
                      resources:
                        limits:
                          memory: 32Mi
                  containers:
                    - name: db
                      image: postgres:15
                    - name: exporter
                      image: prometheuscommunity/postgres-exporter
            """;

        var tasks = ManifestReader.Read(text, "db.yaml");

        Assert.Equal(["StatefulSet/db/db", "StatefulSet/db/exporter"], tasks.Select(task => task.Name));
        foreach (var task in tasks)
        {
            Assert.Equal("busybox:1.36", Hint(task, "init-container-image").Value);
            Assert.Equal(
                "db.yaml: document 1, spec.template.spec.initContainers[0].resources.limits.memory (line 13)",
                Hint(task, "init-container-memory-limit").Source);
        }
    }

    [Fact]
    public void NativeSidecar_BecomesTask()
    {
        const string text = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: app
            spec:
              initContainers:
                - name: proxy
                  image: envoyproxy/envoy:v1.30
                  restartPolicy: Always
              containers:
                - name: app
                  image: example/app:1
            """;

        var tasks = ManifestReader.Read(text, "app.yaml");

        Assert.Equal(["Pod/app/app", "Pod/app/proxy"], tasks.Select(task => task.Name));
        Assert.Equal("app.yaml: document 1, spec.initContainers[0].restartPolicy (line 9)", Hint(tasks[1], "sidecar").Source);
        Assert.DoesNotContain(tasks[0].Hints, hint => hint.Name.StartsWith("init-container-", StringComparison.Ordinal));
    }

    [Fact]
    public void MultiDocument_SkipsObjectsWithoutContainers()
    {
        const string text = """
            # leading comment
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              template:
                spec:
                  containers:
                    - name: web
                      image: nginx:1.25
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: web
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: debug
            spec:
              containers:
                - name: shell
                  image: busybox
            ---
            """;

        var tasks = ManifestReader.Read(text, "web.yaml");

        Assert.Equal(["Deployment/web/web", "Pod/debug/shell"], tasks.Select(task => task.Name));
        Assert.StartsWith("web.yaml: document 2, ", Hint(tasks[0], "image").Source, StringComparison.Ordinal);
        Assert.StartsWith("web.yaml: document 4, ", Hint(tasks[1], "image").Source, StringComparison.Ordinal);
    }

    [Fact]
    public void ListKind_ReadsItems()
    {
        const string text = """
            apiVersion: v1
            kind: List
            items:
              - apiVersion: v1
                kind: Service
                metadata:
                  name: cache
              - apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: cache
                spec:
                  template:
                    spec:
                      containers:
                        - name: redis
                          image: redis:7
              - apiVersion: v1
                kind: Pod
                metadata:
                  name: probe
                spec:
                  containers:
                    - name: probe
                      image: busybox
            """;

        var tasks = ManifestReader.Read(text, "list.yaml");

        Assert.Equal(["Deployment/cache/redis", "Pod/probe/probe"], tasks.Select(task => task.Name));
        Assert.Equal(
            "list.yaml: document 1, items[1].spec.template.spec.containers[0].image (line 17)",
            Hint(tasks[0], "image").Source);
    }

    [Fact]
    public void TypedList_ImpliesKindOfItems()
    {
        const string text = """
            apiVersion: apps/v1
            kind: DeploymentList
            items:
              - metadata:
                  name: api
                spec:
                  template:
                    spec:
                      containers:
                        - name: api
                          image: example/api:1
            """;

        var task = Assert.Single(ManifestReader.Read(text, "list.yaml"));

        Assert.Equal("Deployment/api/api", task.Name);
    }

    [Theory]
    [InlineData("Service")]
    [InlineData("ConfigMap")]
    [InlineData("Secret")]
    [InlineData("Ingress")]
    [InlineData("ServiceAccount")]
    [InlineData("PersistentVolumeClaim")]
    [InlineData("PersistentVolume")]
    [InlineData("Namespace")]
    [InlineData("Role")]
    [InlineData("RoleBinding")]
    [InlineData("ClusterRole")]
    [InlineData("ClusterRoleBinding")]
    [InlineData("NetworkPolicy")]
    [InlineData("HorizontalPodAutoscaler")]
    [InlineData("PodDisruptionBudget")]
    [InlineData("StorageClass")]
    [InlineData("Endpoints")]
    [InlineData("LimitRange")]
    [InlineData("ResourceQuota")]
    [InlineData("CustomResourceDefinition")]
    public void KindWithoutContainers_IsSkipped(string kind)
    {
        var text = $"apiVersion: v1\nkind: {kind}\nmetadata:\n  name: other\n---\n{Workload("Pod", "v1")}";

        var task = Assert.Single(ManifestReader.Read(text, "mixed.yaml"));

        Assert.Equal("Pod/web/app", task.Name);
    }

    [Fact]
    public void UnknownKind_IsRejectedWithDocumentAndLine()
    {
        var text = $"{Workload("Pod", "v1")}---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: web\n";

        var error = Rejects(text, "rollout.yaml", 2, "kind", 11, "unknown kind 'Rollout'");

        Assert.Contains("Accepted workload kinds: Pod, Deployment, StatefulSet", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingKind_IsRejected()
    {
        const string text = "apiVersion: v1\nmetadata:\n  name: web\n";

        Rejects(text, "web.yaml", 1, "kind", 1, "the object has no kind");
    }

    [Fact]
    public void ContainerWithoutImage_IsRejected()
    {
        const string text = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
            spec:
              containers:
                - name: web
                  ports:
                    - containerPort: 80
            """;

        Rejects(text, "web.yaml", 1, "spec.containers[0].image", 7, "container 'web' has no image");
    }

    [Fact]
    public void ContainerWithoutName_IsRejected()
    {
        const string text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - image: nginx\n";

        Rejects(text, "web.yaml", 1, "spec.containers[0].name", 7, "every container needs a name");
    }

    [Fact]
    public void DeploymentWithoutTemplate_IsRejected()
    {
        const string text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n";

        Rejects(text, "web.yaml", 1, "spec.template", 6, "a Deployment keeps its pod spec at spec.template.spec");
    }

    [Fact]
    public void EmptyContainers_IsRejected()
    {
        const string text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers: []\n";

        Rejects(text, "web.yaml", 1, "spec.containers", 6, "needs at least one container");
    }

    [Fact]
    public void MissingObjectName_IsRejected()
    {
        const string text = "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    app: web\nspec:\n  containers:\n    - name: web\n      image: nginx\n";

        Rejects(text, "web.yaml", 1, "metadata.name", 4, "a Pod needs metadata.name");
    }

    [Fact]
    public void LimitBelowRequest_IsRejected()
    {
        const string text = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
            spec:
              containers:
                - name: web
                  image: nginx
                  resources:
                    requests:
                      memory: 256Mi
                    limits:
                      memory: 128Mi
            """;

        Rejects(text, "web.yaml", 1, "spec.containers[0].resources.limits.memory", 13,
            "the memory limit 128Mi (128 MiB) is below the memory request 256Mi (256 MiB)");
    }

    [Fact]
    public void LimitJustBelowRequest_IsRejected()
    {
        // 67108863 bytes is one byte less than 64Mi: rounded to whole MiB the two would look equal.
        const string text = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
            spec:
              containers:
                - name: web
                  image: nginx
                  resources:
                    requests:
                      memory: 64Mi
                    limits:
                      memory: "67108863"
            """;

        Rejects(text, "web.yaml", 1, "spec.containers[0].resources.limits.memory", 13,
            "the memory limit 67108863 (63 MiB) is below the memory request 64Mi (64 MiB)");
    }

    [Fact]
    public void CpuLimitBelowRequest_IsRejected()
    {
        const string text = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
            spec:
              containers:
                - name: web
                  image: nginx
                  resources:
                    limits:
                      cpu: 100m
                    requests:
                      cpu: "0.5"
            """;

        Rejects(text, "web.yaml", 1, "spec.containers[0].resources.limits.cpu", 11,
            "the CPU limit 100m (100m) is below the CPU request (500m)");
    }

    [Theory]
    [InlineData("memory: 12Zi", "memory", "unknown suffix 'Zi'")]
    [InlineData("memory: -1Gi", "memory", "negative values are not accepted")]
    [InlineData("memory: 1e400", "memory", "does not fit in a 64-bit number")]
    [InlineData("memory: 17Ti", "memory", "above the maximum of 16 TiB")]
    [InlineData("cpu: 2000", "cpu", "above the maximum of 1024 cores")]
    [InlineData("cpu: 1x", "cpu", "unknown suffix 'x'")]
    [InlineData("memory: \"\"", "memory", "the value is empty")]
    public void InvalidQuantity_IsRejectedWithPathAndLine(string entry, string resource, string expectedProblem)
    {
        var text = $"apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx\n"
            + $"      resources:\n        limits:\n          {entry}\n";

        Rejects(text, "web.yaml", 1, $"spec.containers[0].resources.limits.{resource}", 11, expectedProblem);
    }

    [Fact]
    public void DuplicateTaskName_IsRejected()
    {
        var text = $"{Workload("Deployment", "apps/v1")}---\n{Workload("Deployment", "apps/v1")}";

        Rejects(text, "twice.yaml", 2, "spec.template.spec.containers[0]", 20,
            "task 'Deployment/web/app' is defined twice (first at twice.yaml: document 1, spec.template.spec.containers[0] (line 9))");
    }

    [Fact]
    public void CommandAsString_IsRejected()
    {
        const string text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx\n      command: nginx -g daemon\n";

        Rejects(text, "web.yaml", 1, "spec.containers[0].command", 9, "expected a list of strings, found the value 'nginx -g daemon'");
    }
}
