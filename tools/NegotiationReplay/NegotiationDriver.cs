using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace EventShadow.NegotiationReplay;

/// <summary>
/// Submits a workload to the running Negotiator and waits until its negotiation is settled.
/// </summary>
public sealed class NegotiationDriver(HttpClient api, TimeSpan timeout)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The settled negotiation: status, attempts and committed memory.</summary>
    public sealed record Settled(Guid Id, string Status, int Attempts, int? CommittedMiB, int? CommittedCpuMillicores, string? FailureReason);

    public async Task<Settled> NegotiateAsync(ReplayWorkload workload, CancellationToken cancellationToken)
    {
        using var content = new StringContent(workload.ToManifest(), Encoding.UTF8, "application/yaml");
        using var submitted = await api.PostAsync($"/negotiate?source=replay-{workload.Name}.yaml", content, cancellationToken);
        var body = await submitted.Content.ReadAsStringAsync(cancellationToken);
        if (submitted.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"POST /negotiate answered {(int)submitted.StatusCode} for {workload.Name}: {body}");
        }

        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            using var response = await api.GetAsync($"/negotiation/{id}", cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                var view = await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken);
                if (view.GetProperty("settled").GetBoolean())
                {
                    return ToSettled(id, view);
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }

        throw new TimeoutException($"Negotiation {id} of {workload.Name} did not settle within {timeout}.");
    }

    private static Settled ToSettled(Guid id, JsonElement view)
    {
        var allocation = view.GetProperty("allocation");
        var committed = allocation.ValueKind == JsonValueKind.Object;
        return new Settled(
            id,
            view.GetProperty("status").GetString() ?? "",
            view.GetProperty("attempts").GetArrayLength(),
            committed ? allocation.GetProperty("memoryMiB").GetInt32() : null,
            committed ? allocation.GetProperty("cpuMillicores").GetInt32() : null,
            view.TryGetProperty("failureReason", out var reason) ? reason.GetString() : null);
    }
}
