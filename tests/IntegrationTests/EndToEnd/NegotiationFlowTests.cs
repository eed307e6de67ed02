using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using EventShadow.Contracts;
using EventShadow.IntegrationTests.Infrastructure;
using Marten;

namespace EventShadow.IntegrationTests.EndToEnd;

/// <summary>
/// The whole flow on real RabbitMQ, PostgreSQL and Docker: a manifest is negotiated, tried in a
/// real shadow container and committed or renegotiated.
/// </summary>
public sealed class NegotiationFlowTests(RunningSystem system) : IClassFixture<RunningSystem>
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromMinutes(2);

    private const string RedisDeployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: redis
        spec:
          replicas: 1
          selector:
            matchLabels: {app: redis}
          template:
            metadata:
              labels: {app: redis}
            spec:
              containers:
                - name: redis
                  image: redis:7
                  ports:
                    - containerPort: 6379
        """;

    // stress-ng keeps 300 MB resident: the first proposal for a batch workload (256 MiB) cannot hold it.
    private const string MemoryHog = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: memory-hog
        spec:
          selector:
            matchLabels: {app: memory-hog}
          template:
            metadata:
              labels: {app: memory-hog}
            spec:
              containers:
                - name: stress
                  image: colinianking/stress-ng:latest
                  args: ["--vm", "1", "--vm-bytes", "300M", "--vm-keep"]
        """;

    [Fact]
    public async Task Redis_without_resources_commits_validated_allocation()
    {
        var id = await SubmitAsync(RedisDeployment, "redis.yaml");

        var view = await system.WaitUntilSettledAsync(id, SettleTimeout);

        Assert.Equal("Committed", view.GetProperty("status").GetString());
        Assert.Equal("Deployment/redis/redis", view.GetProperty("task").GetString());
        var attempts = view.GetProperty("attempts");
        Assert.Equal(1, attempts.GetArrayLength());
        var validation = attempts[0].GetProperty("validation");
        Assert.True(validation.GetProperty("passed").GetBoolean());
        Assert.True(validation.GetProperty("peakMemoryMiB").GetDouble() > 0);
        var allocation = view.GetProperty("allocation");
        Assert.Equal(attempts[0].GetProperty("allocation").GetProperty("memoryMiB").GetInt32(), allocation.GetProperty("memoryMiB").GetInt32());
        Assert.True(allocation.GetProperty("cpuMillicores").GetInt32() > 0);
        Assert.True(view.GetProperty("cost").GetProperty("amount").GetDecimal() > 0);
        Assert.Equal(view.GetProperty("cost").GetProperty("amount").GetDecimal(), attempts[0].GetProperty("cost").GetDecimal());

        // Settled means the commitment is priced too.
        Assert.Equal("USD", view.GetProperty("cost").GetProperty("currency").GetString());
        Assert.True(view.GetProperty("cost").GetProperty("committedPerHour").GetDecimal() > 0);

        await AssertNoShadowLeftAsync(id);
    }

    [Fact]
    public async Task Memory_hog_is_renegotiated_after_oom_kill()
    {
        var id = await SubmitAsync(MemoryHog, "memory-hog.yaml");

        var view = await system.WaitUntilSettledAsync(id, SettleTimeout);

        Assert.Equal("Committed", view.GetProperty("status").GetString());
        var attempts = view.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal(2, attempts.Count);

        var first = attempts[0];
        var firstValidation = first.GetProperty("validation");
        Assert.False(firstValidation.GetProperty("passed").GetBoolean());
        Assert.Equal("OutOfMemory", firstValidation.GetProperty("failure").GetString());
        Assert.True(firstValidation.GetProperty("oomKilled").GetBoolean());

        var second = attempts[1];
        Assert.True(second.GetProperty("validation").GetProperty("passed").GetBoolean());
        var firstMemory = first.GetProperty("allocation").GetProperty("memoryMiB").GetInt32();
        var secondMemory = second.GetProperty("allocation").GetProperty("memoryMiB").GetInt32();
        Assert.True(secondMemory > firstMemory, $"attempt 2 has {secondMemory} MiB, attempt 1 had {firstMemory} MiB");

        // A batch trial runs the real work, so the commit is tightened to its peak plus a margin.
        var peak = second.GetProperty("validation").GetProperty("peakMemoryMiB").GetDouble();
        var committed = view.GetProperty("allocation").GetProperty("memoryMiB").GetInt32();
        Assert.InRange(committed, (int)Math.Ceiling(peak), secondMemory);
        Assert.Contains("margin", view.GetProperty("commitRationale").GetString(), StringComparison.Ordinal);

        // Both shadows were priced.
        var stream = await system.EventStore.WaitForAsync(id, events => events.OfType<ShadowCostRecorded>().Count() == 2, TimeSpan.FromSeconds(30));
        Assert.Equal(2, stream.OfType<ShadowReleased>().Count());

        await AssertNoShadowLeftAsync(id);
    }

    [Fact]
    public async Task Job_that_completes_commits()
    {
        const string job = """
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: crunch
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers:
                    - name: crunch
                      image: colinianking/stress-ng:latest
                      args: ["--cpu", "1", "--timeout", "1s"]
            """;
        var id = await SubmitAsync(job, "crunch-job.yaml");

        var view = await system.WaitUntilSettledAsync(id, SettleTimeout);

        Assert.Equal("Committed", view.GetProperty("status").GetString());
        var validation = view.GetProperty("attempts")[0].GetProperty("validation");
        Assert.True(validation.GetProperty("passed").GetBoolean());
        Assert.Equal(0, validation.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public async Task Compose_file_starts_one_negotiation_per_service()
    {
        const string compose = """
            services:
              cache:
                image: redis:7
              web:
                image: nginx:1.25
                depends_on: [cache]
            """;

        using var response = await PostAsync(compose, "two-services.yaml");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(RunningSystem.Json);
        var negotiations = body.GetProperty("negotiations").EnumerateArray().ToList();
        Assert.Equal(2, negotiations.Count);
        Assert.Equal(negotiations[0].GetProperty("id").GetGuid(), body.GetProperty("id").GetGuid());
        Assert.Equal($"/negotiation/{body.GetProperty("id").GetGuid()}", response.Headers.Location?.OriginalString);

        foreach (var negotiation in negotiations)
        {
            var view = await system.WaitUntilSettledAsync(negotiation.GetProperty("id").GetGuid(), SettleTimeout);
            Assert.Equal("Committed", view.GetProperty("status").GetString());
        }
    }

    [Theory]
    [InlineData("not: [valid yaml", "body")]
    [InlineData("apiVersion: v1\nkind: Service\nmetadata:\n  name: only-a-service\nspec:\n  ports: [{port: 80}]\n", "body")]
    [InlineData("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n", "Widget")]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: redis:7\n      resources:\n        limits:\n          memory: 12Zi\n", "memory")]
    public async Task Negotiate_rejects_bad_definition_storing_nothing(string definition, string expectedInError)
    {
        var before = await CountSubmissionsAsync();

        using var response = await PostAsync(definition, "bad.yaml");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadAsStringAsync();
        Assert.Contains(expectedInError, problem, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await CountSubmissionsAsync());
    }

    // Values no allocation can honour are rejected after reading, and their errors locate them like reading errors do.
    [Theory]
    [InlineData(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: small\nspec:\n  containers:\n    - name: c\n      image: redis:7\n---\n" +
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: large\nspec:\n  containers:\n    - name: c\n      image: redis:7\n" +
        "      resources:\n        requests:\n          memory: 16Gi\n",
        2, "spec.containers[0].resources.requests.memory", 20)]
    [InlineData("services:\n  web:\n    image: nginx:1.25\n    mem_limit: 4k\n", 1, "services.web.mem_limit", 4)]
    public async Task Negotiate_locates_value_out_of_range(string definition, int document, string path, int line)
    {
        var before = await CountSubmissionsAsync();

        using var response = await PostAsync(definition, "range.yaml");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(RunningSystem.Json);
        Assert.True(problem.GetProperty("errors").TryGetProperty(path, out _), problem.ToString());
        Assert.Equal("range.yaml", problem.GetProperty("source").GetString());
        Assert.Equal(document, problem.GetProperty("document").GetInt32());
        Assert.Equal(path, problem.GetProperty("path").GetString());
        Assert.Equal(line, problem.GetProperty("line").GetInt32());
        Assert.Contains("Negotiation:M", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await CountSubmissionsAsync());
    }

    [Fact]
    public async Task Negotiate_rejects_body_over_limit()
    {
        var before = await CountSubmissionsAsync();
        var padding = new string('#', 9000);

        using var response = await PostAsync($"{RedisDeployment}\n{padding}\n", "large.yaml");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(RunningSystem.Json);
        Assert.Contains("Api:MaxDefinitionBytes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await CountSubmissionsAsync());
    }

    [Fact]
    public async Task Negotiate_rejects_empty_body()
    {
        using var response = await PostAsync("", "empty.yaml");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/x-yaml")]
    [InlineData("application/octet-stream")]
    public async Task Negotiate_reads_body_whatever_content_type(string contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(RedisDeployment));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);

        using var response = await system.Api.PostAsync("/negotiate?source=redis.yaml", content);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("status=Committed,Bogus", "status")]
    [InlineData("status=1", "status")]
    [InlineData("limit=abc", "limit")]
    [InlineData("limit=1.5", "limit")]
    [InlineData("limit=500", "limit")]
    [InlineData("offset=-1", "offset")]
    [InlineData("offset=99999999999", "offset")]
    public async Task List_rejects_bad_query_naming_parameter(string query, string parameter)
    {
        using var response = await system.Api.GetAsync($"/negotiations?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(RunningSystem.Json);
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
    }

    [Fact]
    public async Task List_counts_total_beyond_last_page()
    {
        await SubmitAsync(RedisDeployment, "redis.yaml");
        await Task.Delay(TimeSpan.FromSeconds(1));

        using var response = await system.Api.GetAsync("/negotiations?offset=100000&status=Submitted,Proposed,Configuring,Validating,Committed,Failed");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadFromJsonAsync<JsonElement>(RunningSystem.Json);
        Assert.Equal(0, page.GetProperty("items").GetArrayLength());
        Assert.True(page.GetProperty("total").GetInt64() > 0);
    }

    [Fact]
    public async Task Get_unknown_negotiation_answers_not_found()
    {
        using var response = await system.Api.GetAsync($"/negotiation/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("GET", "/negotiation/not-a-guid")]
    [InlineData("GET", "/negotiation/not-a-guid/events")]
    [InlineData("POST", "/negotiation/not-a-guid/release")]
    public async Task Malformed_id_returns_same_problem(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        using var response = await system.Api.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(RunningSystem.Json);
        const string message = "'not-a-guid' is not a negotiation id; ids are GUIDs as POST /negotiate returns them.";
        Assert.Equal("The request is invalid", problem.GetProperty("title").GetString());
        Assert.Equal(message, problem.GetProperty("detail").GetString());
        Assert.Equal(message, problem.GetProperty("errors").GetProperty("id")[0].GetString());
    }

    private async Task<Guid> SubmitAsync(string definition, string source)
    {
        using var response = await PostAsync(definition, source);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST /negotiate answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    private Task<HttpResponseMessage> PostAsync(string definition, string source)
    {
        var content = new StringContent(definition, Encoding.UTF8, "application/yaml");
        return system.Api.PostAsync($"/negotiate?source={Uri.EscapeDataString(source)}", content);
    }

    /// <summary>
    /// Counts the negotiations ever started. Earlier tests' negotiations keep appending events while a
    /// test runs, but only a submission starts one.
    /// </summary>
    private async Task<int> CountSubmissionsAsync()
    {
        await using var session = system.EventStore.Store.QuerySession();
        return await session.Events.QueryRawEventDataOnly<PartialTaskSubmitted>().CountAsync();
    }

    private static async Task AssertNoShadowLeftAsync(Guid negotiationId)
    {
        using var docker = new DockerClientBuilder().WithEndpoint(TestSettings.DockerEndpoint).Build();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        IList<ContainerListResponse> left;
        do
        {
            left = await docker.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>>
                {
                    ["label"] = new Dictionary<string, bool> { [$"eventshadow.negotiation-id={negotiationId}"] = true },
                },
            });
            if (left.Count == 0)
            {
                return;
            }

            await Task.Delay(250);
        }
        while (DateTimeOffset.UtcNow < deadline);

        Assert.Fail($"{left.Count} shadow container(s) of negotiation {negotiationId} were not released: {string.Join(", ", left.Select(c => c.ID[..12]))}");
    }
}
