using EventShadow.Contracts;
using EventShadow.Negotiator.Manifests;
using static EventShadow.UnitTests.Manifests.ManifestAssert;

namespace EventShadow.UnitTests.Manifests;

public sealed class ComposeManifestTests
{
    [Fact]
    public void Service_GivesTaskNamedAfterIt()
    {
        const string text = """
            services:
              web:
                image: nginx:1.25
                ports:
                  - "8080:80"
              cache:
                image: redis:7
            volumes:
              data:
            """;

        var tasks = ManifestReader.Read(text, "compose.yaml");

        Assert.Equal(["compose/web", "compose/cache"], tasks.Select(task => task.Name));
        Assert.All(tasks, task => Assert.Equal("compose", task.Format));
        Assert.Equal("web", tasks[0].Container.Name);
        Assert.Equal("nginx:1.25", tasks[0].Container.Image);
        Assert.Null(tasks[0].Container.Command);
        Assert.Null(tasks[0].Container.Args);
        Assert.Equal(new ResourceHint("image", "nginx:1.25", "compose.yaml: document 1, services.web.image (line 3)"), Hint(tasks[0], "image"));
    }

    [Fact]
    public void CommandString_IsSplitLikeShell()
    {
        const string text = """
            services:
              cache:
                image: redis:7
                entrypoint: docker-entrypoint.sh
                command: redis-server --save "" --requirepass 'a b' --name "x \"y\"" plain\ word
            """;

        var container = Assert.Single(ManifestReader.Read(text, "compose.yaml")).Container;

        Assert.Equal(["docker-entrypoint.sh"], container.Command);
        Assert.Equal(["redis-server", "--save", "", "--requirepass", "a b", "--name", "x \"y\"", "plain word"], container.Args);
    }

    [Fact]
    public void CommandList_IsTakenAsWritten()
    {
        const string text = """
            services:
              prometheus:
                image: prom/prometheus
                entrypoint: ["/bin/prometheus"]
                command:
                  - '--config.file=/etc/prometheus/prometheus.yml'
                  - --web.enable-lifecycle
            """;

        var container = Assert.Single(ManifestReader.Read(text, "compose.yaml")).Container;

        Assert.Equal(["/bin/prometheus"], container.Command);
        Assert.Equal(["--config.file=/etc/prometheus/prometheus.yml", "--web.enable-lifecycle"], container.Args);
    }

    [Fact]
    public void UnterminatedQuote_IsRejected()
    {
        const string text = "services:\n  web:\n    image: nginx\n    command: nginx -g 'daemon off;\n";

        Rejects(text, "compose.yaml", 1, "services.web.command", 4, "the command has an unterminated single quote");
    }

    [Fact]
    public void EnvironmentList_IsRead()
    {
        const string text = """
            services:
              db:
                image: postgres:15
                environment:
                  - POSTGRES_DB=example
                  - POSTGRES_PASSWORD_FILE=/run/secrets/db-password
                  - OPTIONS=a=b
                  - FROM_SHELL
            """;

        var environment = Assert.Single(ManifestReader.Read(text, "compose.yaml")).Container.Environment;

        Assert.Equal(3, environment.Count);
        Assert.Equal("example", environment["POSTGRES_DB"]);
        Assert.Equal("/run/secrets/db-password", environment["POSTGRES_PASSWORD_FILE"]);
        Assert.Equal("a=b", environment["OPTIONS"]);
    }

    [Fact]
    public void EnvironmentMapping_IsRead()
    {
        const string text = """
            services:
              search:
                image: elasticsearch:7.16.1
                environment:
                  discovery.type: single-node
                  ES_JAVA_OPTS: "-Xms512m -Xmx512m"
                  RETRIES: 3
                  FROM_SHELL:
            """;

        var environment = Assert.Single(ManifestReader.Read(text, "compose.yaml")).Container.Environment;

        Assert.Equal(3, environment.Count);
        Assert.Equal("single-node", environment["discovery.type"]);
        Assert.Equal("-Xms512m -Xmx512m", environment["ES_JAVA_OPTS"]);
        Assert.Equal("3", environment["RETRIES"]);
    }

    [Fact]
    public void ServiceLevelResources_AreRead()
    {
        const string text = """
            services:
              app:
                image: example/app:1
                mem_limit: 512m
                mem_reservation: 256m
                cpus: 0.5
                shm_size: 1gb
                cpu_shares: 512
            """;

        var task = Assert.Single(ManifestReader.Read(text, "compose.yaml"));

        Assert.Equal(new ResourceBounds(500, 512), task.Container.Limits);
        Assert.Equal(new ResourceBounds(null, 256), task.Container.Requests);
        Assert.Equal(new ResourceHint("memory-limit", "512m", "compose.yaml: document 1, services.app.mem_limit (line 4)"), Hint(task, "memory-limit"));
        Assert.Equal(new ResourceHint("memory-request", "256m", "compose.yaml: document 1, services.app.mem_reservation (line 5)"), Hint(task, "memory-request"));
        Assert.Equal(new ResourceHint("cpu-limit", "0.5", "compose.yaml: document 1, services.app.cpus (line 6)"), Hint(task, "cpu-limit"));
        Assert.Equal(new ResourceHint("shm-size", "1gb", "compose.yaml: document 1, services.app.shm_size (line 7)"), Hint(task, "shm-size"));
        Assert.Equal(new ResourceHint("cpu-shares", "512", "compose.yaml: document 1, services.app.cpu_shares (line 8)"), Hint(task, "cpu-shares"));
    }

    [Fact]
    public void DeployResources_AreRead()
    {
        const string text = """
            services:
              minecraft:
                image: itzg/minecraft-server
                deploy:
                  replicas: 2
                  resources:
                    limits:
                      cpus: '2'
                      memory: 1.5G
                    reservations:
                      cpus: '0.25'
                      memory: 1g
                      devices:
                        - driver: nvidia
                          count: 1
                          capabilities: [gpu]
            """;

        var task = Assert.Single(ManifestReader.Read(text, "compose.yaml"));

        Assert.Equal(new ResourceBounds(2000, 1536), task.Container.Limits);
        Assert.Equal(new ResourceBounds(250, 1024), task.Container.Requests);
        Assert.Equal(
            "compose.yaml: document 1, services.minecraft.deploy.resources.limits.memory (line 9)",
            Hint(task, "memory-limit").Source);
        Assert.Equal("2", Hint(task, "replicas").Value);
        Assert.Equal(
            new ResourceHint("gpu-device", "capabilities=gpu count=1 driver=nvidia",
                "compose.yaml: document 1, services.minecraft.deploy.resources.reservations.devices[0] (line 14)"),
            Hint(task, "gpu-device"));
    }

    [Fact]
    public void SameLimitTwice_IsAccepted()
    {
        const string text = "services:\n  app:\n    image: example/app\n    mem_limit: 1g\n    deploy:\n      resources:\n        limits:\n          memory: 1024m\n";

        var task = Assert.Single(ManifestReader.Read(text, "compose.yaml"));

        Assert.Equal(1024, task.Container.Limits.MemoryMiB);
        Assert.Equal(2, task.Hints.Count(hint => hint.Name == "memory-limit"));
    }

    [Fact]
    public void DifferentLimitsTwice_AreRejected()
    {
        const string text = "services:\n  app:\n    image: example/app\n    mem_limit: 1g\n    deploy:\n      resources:\n        limits:\n          memory: 512m\n";

        Rejects(text, "compose.yaml", 1, "services.app.deploy.resources.limits.memory", 8,
            "services.app.deploy.resources.limits.memory is 512m but services.app.mem_limit (line 4) is 1g");
    }

    [Fact]
    public void LimitBelowReservation_IsRejected()
    {
        const string text = "services:\n  app:\n    image: example/app\n    mem_limit: 256m\n    mem_reservation: 512m\n";

        Rejects(text, "compose.yaml", 1, "services.app.mem_limit", 4,
            "the memory limit 256m (256 MiB) is below the memory reservation 512m");
    }

    [Fact]
    public void LimitJustBelowReservation_IsRejected()
    {
        // 65535k is 1 KiB less than 64m: rounded to whole MiB the two would look equal.
        const string text = "services:\n  app:\n    image: example/app\n    mem_limit: 65535k\n    mem_reservation: 64m\n";

        Rejects(text, "compose.yaml", 1, "services.app.mem_limit", 4,
            "the memory limit 65535k (63 MiB) is below the memory reservation 64m");
    }

    [Fact]
    public void ReservationEqualToLimit_StaysWithinIt()
    {
        // 100000k is 97.66 MiB: the limit rounds down to 97 MiB,
        // and the reservation of the same size, which rounds up to 98 MiB, is lowered to it.
        var task = Assert.Single(ManifestReader.Read(
            "services:\n  app:\n    image: example/app\n    mem_limit: 100000k\n    mem_reservation: 100000k\n", "compose.yaml"));

        Assert.Equal(97, task.Container.Limits.MemoryMiB);
        Assert.Equal(97, task.Container.Requests.MemoryMiB);
    }

    [Theory]
    [InlineData("mem_limit: 12zb", "services.app.mem_limit", "unknown unit 'zb'")]
    [InlineData("mem_limit: -1g", "services.app.mem_limit", "negative values are not accepted")]
    [InlineData("mem_limit: 32t", "services.app.mem_limit", "above the maximum of 16 TiB")]
    [InlineData("cpus: 0.5x", "services.app.cpus", "unexpected 'x' after the number")]
    [InlineData("cpus: 4096", "services.app.cpus", "above the maximum of 1024 cores")]
    public void InvalidSize_IsRejectedWithPathAndLine(string entry, string path, string expectedProblem)
    {
        var text = $"services:\n  app:\n    image: example/app\n    {entry}\n";

        Rejects(text, "compose.yaml", 1, path, 4, expectedProblem);
    }

    [Fact]
    public void DependsOn_BecomesHint()
    {
        const string text = """
            services:
              web:
                image: example/web
                depends_on:
                  db:
                    condition: service_healthy
                  cache:
                    condition: service_started
              worker:
                image: example/worker
                depends_on: [db]
              db:
                image: postgres:15
              cache:
                image: redis:7
            """;

        var tasks = ManifestReader.Read(text, "compose.yaml");

        Assert.Equal(new ResourceHint("depends-on", "db, cache", "compose.yaml: document 1, services.web.depends_on (line 5)"), Hint(tasks[0], "depends-on"));
        Assert.Equal("db", Hint(tasks[1], "depends-on").Value);
    }

    [Fact]
    public void BuildOnlyService_IsSkippedWithHint()
    {
        const string text = """
            services:
              web:
                build:
                  context: .
              redis:
                image: redislabs/redismod
            """;

        var task = Assert.Single(ManifestReader.Read(text, "flask.yaml"));

        Assert.Equal("compose/redis", task.Name);
        var skipped = Hint(task, "skipped-service");
        Assert.StartsWith("web: service 'web' has build but no image", skipped.Value, StringComparison.Ordinal);
        Assert.Equal("flask.yaml: document 1, services.web (line 3)", skipped.Source);
    }

    [Fact]
    public void OnlyBuildServices_AreRejected()
    {
        const string text = "services:\n  web:\n    build: .\n";

        Rejects(text, "compose.yaml", 1, "services.web.image", 3, "service 'web' has build but no image");
    }

    [Fact]
    public void ServiceWithoutImage_IsRejected()
    {
        const string text = "services:\n  web:\n    ports:\n      - 80:80\n  db:\n    image: postgres\n";

        Rejects(text, "compose.yaml", 1, "services.web.image", 3, "service 'web' has no image");
    }

    [Fact]
    public void EmptyService_IsRejected()
    {
        const string text = "services:\n  web:\n";

        Rejects(text, "compose.yaml", 1, "services.web", 2, "service 'web' must be a mapping with at least an image, found no value");
    }

    [Fact]
    public void EmptyServices_AreRejected()
    {
        const string text = "services: {}\n";

        Rejects(text, "compose.yaml", 1, "services", 1, "services is empty");
    }

    [Fact]
    public void MergeKeys_AreResolved()
    {
        const string text = """
            x-defaults: &defaults
              environment:
                TZ: UTC
              mem_limit: 256m
            services:
              api:
                <<: *defaults
                image: example/api:1
            """;

        var task = Assert.Single(ManifestReader.Read(text, "compose.yaml"));

        Assert.Equal("UTC", task.Container.Environment["TZ"]);
        Assert.Equal(256, task.Container.Limits.MemoryMiB);
        Assert.Equal("compose.yaml: document 1, services.api.mem_limit (line 4)", Hint(task, "memory-limit").Source);
    }
}
