using System.Globalization;
using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using EventShadow.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventShadow.PoolManager;

/// <summary>
/// A shadow to claim: which attempt it serves, with what allocation, running what.
/// </summary>
public sealed record ShadowRequest(
    Guid NegotiationId,
    int Attempt,
    WorkloadProfile Profile,
    ResourceAllocation Allocation,
    ShadowWorkload Workload);

/// <summary>
/// A shadow that runs its workload.
/// </summary>
/// <param name="ColdStart">True when the container was created for this claim rather than taken warm from a pool.</param>
/// <param name="WorkloadExecId">Docker exec id of the workload process.</param>
/// <param name="IdleSince">
/// For a shadow taken warm by this claim, when it was created and began to wait in its pool; null for a
/// cold start and for a claim an earlier delivery made.
/// </param>
public sealed record ShadowClaim(
    string ShadowId,
    string ShadowName,
    string Image,
    bool ColdStart,
    DateTimeOffset ClaimedAt,
    string WorkloadExecId,
    DateTimeOffset? IdleSince = null)
{
    /// <summary>
    /// Completes when the Docker engine's record of the container shows the claim: the attempt's name and
    /// the allocation. A warm claim starts the workload under its limits first and lets the engine catch
    /// up afterwards, so wait for this before the claim is recorded or given up. Faults with
    /// <see cref="ShadowUnavailableException"/>, after removing the shadow, when the engine rejects a call.
    /// </summary>
    public Task EngineUpdate { get; init; } = Task.CompletedTask;
}

/// <summary>
/// A shadow container as its labels, name and host configuration describe it.
/// </summary>
/// <param name="ClaimedAt">
/// The claim time of a shadow created for its attempt; for a claimed warm shadow, whose labels were fixed
/// before the claim, its creation time. The negotiation's <see cref="ShadowClaimed"/> records the claim.
/// </param>
public sealed record ShadowContainer(
    string ShadowId,
    string ShadowName,
    Guid NegotiationId,
    int Attempt,
    ResourceAllocation Allocation,
    DateTimeOffset ClaimedAt,
    string Owner);

/// <summary>
/// Creates, finds and removes shadow containers through the Docker Engine API.
/// </summary>
/// <remarks>
/// A shadow idles on <c>sleep infinity</c> under tini (Docker's <c>--init</c>), which reaps the
/// workload's orphaned processes. The workload runs as a detached exec, so the Validator can watch that
/// process by its exec id while the container stays up.
/// </remarks>
public sealed partial class ShadowContainers(
    IDockerClient docker,
    IOptions<ShadowOptions> options,
    TimeProvider time,
    ILogger<ShadowContainers> logger)
{
    private const long BytesPerMiB = 1024 * 1024;
    private const long NanoCpusPerMillicore = 1_000_000;

    private long? cachedHostNanoCpus;

    /// <summary>
    /// Creates the shadow for the request's attempt, or takes the one an earlier delivery of the same
    /// proposal created, makes sure it runs, and starts the workload unless it already runs.
    /// </summary>
    /// <exception cref="ShadowUnavailableException">
    /// The allocation is not positive, the local image is missing, or the Docker engine rejected the
    /// container or the workload. No container of this attempt is left behind.
    /// </exception>
    public async Task<ShadowClaim> ClaimAsync(ShadowRequest request, CancellationToken cancellationToken)
    {
        var allocation = request.Allocation;
        if (allocation.CpuMillicores <= 0 || allocation.MemoryMiB <= 0)
        {
            throw new ShadowUnavailableException($"allocation {allocation} is invalid: CPU and memory must be positive.");
        }

        var name = ShadowLabels.ContainerName(request.NegotiationId, request.Attempt);
        var container = await InspectOrNullAsync(name, cancellationToken);

        var wasWarm = false;
        if (container is null)
        {
            await EnsureImageAsync(request.Workload, cancellationToken);
            await CreateAsync(name, request, cancellationToken);
            container = await docker.Containers.InspectContainerAsync(name, cancellationToken);
        }
        else
        {
            wasWarm = ShadowLabels.IsWarmBorn(container.Config?.Labels);
            logger.LogInformation(
                "Reusing shadow {ShadowId} ({ShadowName}) of negotiation {NegotiationId} attempt {Attempt}, claimed by an earlier delivery",
                container.ID, name, request.NegotiationId, request.Attempt);
        }

        try
        {
            await EnsureRunningAsync(container, cancellationToken);
            if (wasWarm)
            {
                // An earlier delivery renamed this warm shadow and may have stopped before applying the allocation.
                await ApplyAllocationAsync(container.ID, request, cancellationToken);
            }

            var execId = await FindWorkloadExecAsync(container, request.Workload, cancellationToken)
                ?? await StartWorkloadAsync(container.ID, request, cancellationToken);

            return new ShadowClaim(container.ID, name, request.Workload.Image, ColdStart: !wasWarm, ReadClaimedAt(container), execId);
        }
        catch (Exception ex) when (ex is DockerApiException or ShadowUnavailableException)
        {
            logger.LogWarning(
                ex,
                "Shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt} could not run its workload; removing it",
                container.ID, request.NegotiationId, request.Attempt);
            await RemoveAsync(container.ID, CancellationToken.None);

            if (ex is ShadowUnavailableException)
            {
                throw;
            }

            throw new ShadowUnavailableException(
                $"workload of '{request.Workload.ManifestImage}' failed to start in shadow {name} with {allocation}: {DockerErrors.MessageOf((DockerApiException)ex)}", ex);
        }
    }

    /// <summary>
    /// Returns the shadow with container id (or name) <paramref name="containerId"/>; null when no such
    /// container exists or it is not a shadow.
    /// </summary>
    public async Task<ShadowContainer?> FindAsync(string containerId, CancellationToken cancellationToken)
    {
        var container = await InspectOrNullAsync(containerId, cancellationToken);
        if (container is null)
        {
            return null;
        }

        var shadow = ToShadow(container);
        if (shadow is null)
        {
            logger.LogWarning("Container {ShadowId} has no {Label} label, so it is not a shadow and stays untouched", containerId, ShadowLabels.Shadow);
        }

        return shadow;
    }

    /// <summary>
    /// Counts the claimed shadows of <paramref name="pool"/> on this Docker host, running or not,
    /// whichever PoolManager created them.
    /// </summary>
    public async Task<int> CountAsync(string pool, CancellationToken cancellationToken)
    {
        var listed = await docker.Containers.ListContainersAsync(
            new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>>(StringComparer.Ordinal)
                {
                    ["label"] = new Dictionary<string, bool>(StringComparer.Ordinal)
                    {
                        [$"{ShadowLabels.Shadow}=true"] = true,
                        [$"{ShadowLabels.Pool}={pool}"] = true,
                    },
                },
            },
            cancellationToken);

        // Unclaimed warm shadows wait paused and count against the warm budget instead.
        return listed.Count(entry => !(entry.Names ?? []).Any(ShadowLabels.IsWarmName));
    }

    /// <summary>
    /// Returns every shadow of <paramref name="negotiationId"/> on this Docker host, running or not.
    /// </summary>
    public async Task<IReadOnlyList<ShadowContainer>> ListAsync(Guid negotiationId, CancellationToken cancellationToken)
    {
        var byLabel = await docker.Containers.ListContainersAsync(
            new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>>(StringComparer.Ordinal)
                {
                    ["label"] = new Dictionary<string, bool>(StringComparer.Ordinal)
                    {
                        [$"{ShadowLabels.Shadow}=true"] = true,
                        [ShadowLabels.NegotiationFilter(negotiationId)] = true,
                    },
                },
            },
            cancellationToken);

        // A claimed warm shadow carries no negotiation label; its name, eventshadow-{negotiation}-{attempt}, records the claim.
        var byName = await docker.Containers.ListContainersAsync(
            new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>>(StringComparer.Ordinal)
                {
                    ["label"] = new Dictionary<string, bool>(StringComparer.Ordinal) { [$"{ShadowLabels.Shadow}=true"] = true },
                    ["name"] = new Dictionary<string, bool>(StringComparer.Ordinal) { [$"^/eventshadow-{negotiationId:N}-[0-9]+$"] = true },
                },
            },
            cancellationToken);

        var shadows = new List<ShadowContainer>();
        foreach (var entry in byLabel.Concat(byName).DistinctBy(entry => entry.ID, StringComparer.Ordinal))
        {
            if (await FindAsync(entry.ID, cancellationToken) is { } shadow)
            {
                shadows.Add(shadow);
            }
        }

        return shadows;
    }

    /// <summary>
    /// Removes a container and its anonymous volumes, stopping it first if it runs. Returns false when it
    /// was already gone or another caller is removing it.
    /// </summary>
    public async Task<bool> RemoveAsync(string containerId, CancellationToken cancellationToken)
    {
        DropLauncher(containerId);
        try
        {
            await docker.Containers.RemoveContainerAsync(
                containerId, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, cancellationToken);
            return true;
        }
        catch (DockerContainerNotFoundException)
        {
            return false;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            logger.LogInformation("Shadow {ShadowId} is already being removed: {Error}", containerId, DockerErrors.MessageOf(ex));
            return false;
        }
    }

    /// <summary>
    /// Removes the shadow <paramref name="containerId"/> and returns what it was; null when there was no
    /// such shadow to remove.
    /// </summary>
    public async Task<ShadowContainer?> ReleaseAsync(string containerId, CancellationToken cancellationToken)
    {
        var shadow = await FindAsync(containerId, cancellationToken);
        return shadow is not null && await RemoveAsync(shadow.ShadowId, cancellationToken) ? shadow : null;
    }

    /// <summary>
    /// Removes every shadow of <paramref name="negotiationId"/> and returns the ones this call removed.
    /// </summary>
    public async Task<IReadOnlyList<ShadowContainer>> ReleaseNegotiationAsync(Guid negotiationId, CancellationToken cancellationToken)
    {
        var removed = new List<ShadowContainer>();
        foreach (var shadow in await ListAsync(negotiationId, cancellationToken))
        {
            if (await RemoveAsync(shadow.ShadowId, cancellationToken))
            {
                removed.Add(shadow);
            }
        }

        return removed;
    }

    private async Task EnsureImageAsync(ShadowWorkload workload, CancellationToken cancellationToken)
    {
        try
        {
            await docker.Images.InspectImageAsync(workload.Image, cancellationToken);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            var setting = workload.Image == options.Value.WorkloadImage
                ? $"{ShadowOptions.SectionName}:WorkloadImage"
                : $"{workload.MappingKey}:Image";
            throw new ShadowUnavailableException(
                $"local image '{workload.Image}', the stand-in for '{workload.ManifestImage}', is not on the Docker host of " +
                $"PoolManager '{options.Value.InstanceName}': build or load it there, or change {setting}.", ex);
        }
    }

    /// <summary>
    /// Creates the container unless a concurrent delivery of the same proposal created it first.
    /// </summary>
    private async Task CreateAsync(string name, ShadowRequest request, CancellationToken cancellationToken)
    {
        if (request.Workload.NeedsNetwork)
        {
            await EnsureInternalNetworkAsync(cancellationToken);
        }

        // The engine rejects a CPU limit above its host's CPU count, and a shadow cannot use more anyway.
        var hostNanoCpus = await HostNanoCpusAsync(cancellationToken);
        var parameters = BuildCreateParameters(name, request, hostNanoCpus);
        if (parameters.HostConfig!.NanoCPUs < request.Allocation.CpuMillicores * NanoCpusPerMillicore)
        {
            logger.LogWarning(
                "Negotiation {NegotiationId} attempt {Attempt} proposes {CpuMillicores}m CPU, more than this Docker host has; the shadow gets {HostCpus} CPUs",
                request.NegotiationId, request.Attempt, request.Allocation.CpuMillicores, hostNanoCpus / (NanoCpusPerMillicore * 1000));
        }

        try
        {
            var response = await docker.Containers.CreateContainerAsync(parameters, cancellationToken);
            logger.LogInformation(
                "Created shadow {ShadowId} ({ShadowName}) for negotiation {NegotiationId} attempt {Attempt} from {Image} with {CpuMillicores}m CPU and {MemoryMiB} MiB",
                response.ID, name, request.NegotiationId, request.Attempt, request.Workload.Image,
                request.Allocation.CpuMillicores, request.Allocation.MemoryMiB);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            logger.LogInformation(
                "Shadow {ShadowName} of negotiation {NegotiationId} attempt {Attempt} was created concurrently; using that one",
                name, request.NegotiationId, request.Attempt);
        }
        catch (DockerApiException ex)
        {
            throw new ShadowUnavailableException(
                $"the Docker engine rejected the shadow for '{request.Workload.ManifestImage}' with {request.Allocation}: {DockerErrors.MessageOf(ex)}", ex);
        }
    }

    private async Task<long> HostNanoCpusAsync(CancellationToken cancellationToken)
    {
        if (cachedHostNanoCpus is null)
        {
            var info = await docker.System.GetSystemInfoAsync(cancellationToken);
            cachedHostNanoCpus = Math.Max(1, info.NCPU) * 1000 * NanoCpusPerMillicore;
        }

        return cachedHostNanoCpus.Value;
    }

    private CreateContainerParameters BuildCreateParameters(string name, ShadowRequest request, long hostNanoCpus)
    {
        var settings = options.Value;
        var workload = request.Workload;
        var memoryBytes = request.Allocation.MemoryMiB * BytesPerMiB;

        return new CreateContainerParameters
        {
            Name = name,
            Image = workload.Image,
            Entrypoint = ["sleep"],
            Cmd = ["infinity"],
            Labels = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [ShadowLabels.Shadow] = "true",
                [ShadowLabels.NegotiationId] = request.NegotiationId.ToString("D"),
                [ShadowLabels.Attempt] = request.Attempt.ToString(CultureInfo.InvariantCulture),
                [ShadowLabels.Profile] = request.Profile.ToString(),
                [ShadowLabels.Pool] = settings.Pool,
                [ShadowLabels.Owner] = settings.InstanceName,
                [ShadowLabels.ClaimedAt] = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
                [ShadowLabels.Origin] = ShadowLabels.ColdOrigin,
                [ShadowLabels.Shape] = workload.Shape,
            },
            HostConfig = HardenedHostConfig(
                workload,
                memoryBytes,
                Math.Min(request.Allocation.CpuMillicores * NanoCpusPerMillicore, hostNanoCpus),
                workload.NeedsNetwork ? settings.InternalNetwork : "none"),
        };
    }

    private async Task EnsureRunningAsync(ContainerInspectResponse container, CancellationToken cancellationToken)
    {
        if (container.State is { Paused: true })
        {
            await docker.Containers.UnpauseContainerAsync(container.ID, cancellationToken);
        }
        else if (container.State is not { Running: true })
        {
            await docker.Containers.StartContainerAsync(container.ID, new ContainerStartParameters(), cancellationToken);
        }
    }

    /// <summary>
    /// Returns the id of a running exec of the workload's command, started by an earlier delivery.
    /// Docker lists only running execs of a container, so an exited workload is started again.
    /// </summary>
    private async Task<string?> FindWorkloadExecAsync(
        ContainerInspectResponse container, ShadowWorkload workload, CancellationToken cancellationToken)
    {
        foreach (var execId in container.ExecIDs ?? [])
        {
            try
            {
                var exec = await docker.Exec.InspectContainerExecAsync(execId, cancellationToken);
                if (exec.ProcessConfig is not { } process)
                {
                    continue;
                }

                // A claimed warm shadow's workload runs in its launcher's exec, which the engine reports as
                // the launcher until the launcher has replaced itself with the workload.
                IEnumerable<string> command = [process.Entrypoint, .. process.Arguments ?? []];
                if (exec.Running && (command.SequenceEqual(workload.Command, StringComparer.Ordinal) || WorkloadLauncher.IsLauncher(process.Entrypoint, process.Arguments)))
                {
                    return exec.ID;
                }
            }
            catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                // The exec ended and was cleaned up between the two calls.
            }
        }

        return null;
    }

    private async Task<string> StartWorkloadAsync(string containerId, ShadowRequest request, CancellationToken cancellationToken)
    {
        var workload = request.Workload;
        var exec = await docker.Exec.CreateContainerExecAsync(
            containerId,
            new ContainerExecCreateParameters
            {
                Cmd = [.. workload.Command],
                User = workload.User ?? "",
                Env = [.. workload.Environment.Select(variable => $"{variable.Key}={variable.Value}")],
            },
            cancellationToken);

        await StartDetachedAsync(exec.ID, cancellationToken);

        var started = await docker.Exec.InspectContainerExecAsync(exec.ID, cancellationToken);
        if (started.Pid <= 0 && !started.Running && started.ExitCode is null)
        {
            throw new ShadowUnavailableException(
                $"workload `{string.Join(' ', workload.Command)}` did not start in shadow {containerId}; the Docker engine reported no process.");
        }

        logger.LogInformation(
            "Started workload {Command} as exec {WorkloadExecId} in shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt}",
            workload.Command, exec.ID, containerId, request.NegotiationId, request.Attempt);
        return exec.ID;
    }

    /// <summary>
    /// Starts an exec without attaching to it. Errors such as a missing program or user come back as a
    /// <see cref="DockerApiException"/>.
    /// </summary>
    private async Task StartDetachedAsync(string execId, CancellationToken cancellationToken)
    {
        try
        {
            using var output = await docker.Exec.StartContainerExecAsync(execId, new ContainerExecStartParameters { Detach = true }, cancellationToken);
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("hijack", StringComparison.OrdinalIgnoreCase))
        {
            // Docker.DotNet.Enhanced 4.3.3 always tries to take over the connection after starting an
            // exec, but a detached start returns a plain empty response, so it throws after the engine
            // has started the process. The caller confirms the start by inspecting the exec.
        }
    }

    private async Task<ContainerInspectResponse?> InspectOrNullAsync(string containerIdOrName, CancellationToken cancellationToken)
    {
        try
        {
            return await docker.Containers.InspectContainerAsync(containerIdOrName, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
    }

    private static ShadowContainer? ToShadow(ContainerInspectResponse container)
    {
        var labels = container.Config?.Labels ?? new Dictionary<string, string>(StringComparer.Ordinal);
        if (!labels.TryGetValue(ShadowLabels.Shadow, out var isShadow) || isShadow != "true")
        {
            return null;
        }

        Guid negotiationId;
        int attempt;
        if (labels.TryGetValue(ShadowLabels.NegotiationId, out var negotiationLabel) && Guid.TryParse(negotiationLabel, out var labelled))
        {
            negotiationId = labelled;
            attempt = labels.TryGetValue(ShadowLabels.Attempt, out var attemptLabel) &&
                int.TryParse(attemptLabel, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
        }
        else if (ShadowLabels.ParseContainerName(container.Name ?? "") is { } claimed)
        {
            (negotiationId, attempt) = claimed;
        }
        else
        {
            return null;
        }
        var allocation = new ResourceAllocation(
            (int)((container.HostConfig?.NanoCPUs ?? 0) / NanoCpusPerMillicore),
            (int)((container.HostConfig?.Memory ?? 0) / BytesPerMiB));

        return new ShadowContainer(
            container.ID,
            (container.Name ?? "").TrimStart('/'),
            negotiationId,
            attempt,
            allocation,
            ReadClaimedAt(container),
            labels.TryGetValue(ShadowLabels.Owner, out var owner) ? owner : "");
    }

    /// <summary>
    /// Returns the claim time from the shadow's label, or its creation time when the label is missing.
    /// </summary>
    private static DateTimeOffset ReadClaimedAt(ContainerInspectResponse container)
    {
        var labels = container.Config?.Labels;
        if (labels is not null && labels.TryGetValue(ShadowLabels.ClaimedAt, out var value) &&
            DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var claimedAt))
        {
            return claimedAt;
        }

        return new DateTimeOffset(DateTime.SpecifyKind(container.Created, DateTimeKind.Utc));
    }
}
