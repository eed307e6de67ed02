using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using EventShadow.Contracts;
using Microsoft.Extensions.Logging;

namespace EventShadow.PoolManager;

/// <summary>
/// A shadow of a PoolManager pool as <c>docker ps</c> lists it.
/// </summary>
/// <param name="Name">Container name without Docker's leading slash.</param>
/// <param name="Profile">The <c>eventshadow.profile</c> label; null when missing or unknown.</param>
/// <param name="Warm">The shadow waits in its pool unclaimed: it has a warm shadow's name.</param>
/// <param name="Shape">The <c>eventshadow.shape</c> label: what a warm shadow can serve.</param>
/// <param name="NegotiationId">The negotiation a claimed shadow serves, from its label or name; null for a warm one.</param>
/// <param name="State">Docker's state: created, running, paused, exited and so on.</param>
public sealed record PoolShadow(
    string ShadowId,
    string Name,
    WorkloadProfile? Profile,
    string Owner,
    bool Warm,
    string? Shape,
    Guid? NegotiationId,
    int? Attempt,
    DateTimeOffset CreatedAt,
    string State);

/// <summary>
/// What a warm shadow is created for: a profile and the creation-time settings of its mapping.
/// </summary>
public sealed record WarmShadowRequest(WorkloadProfile Profile, ShadowWorkload Workload);

/// <summary>
/// Warm shadows: created ahead of demand, paused while they wait, and claimed by renaming them to the
/// attempt's name.
/// </summary>
public sealed partial class ShadowContainers : IDisposable
{
    /// <summary>The waiting <see cref="WorkloadLauncher"/> of each warm shadow this process created, by container id.</summary>
    private readonly ConcurrentDictionary<string, (string ExecId, MultiplexedStream Input)> launchers = new(StringComparer.Ordinal);

    private ShadowCgroups? cgroupFiles;

    private int cgroupResetFailures;

    private int cgroupLimitFailures;

    private ShadowCgroups Cgroups => cgroupFiles ??= new([.. options.Value.CgroupMemoryFolders], [.. options.Value.CgroupCpuFolders]);

    /// <summary>
    /// Lists every shadow of <paramref name="pool"/> on this Docker host, warm or claimed, in any state.
    /// </summary>
    public async Task<IReadOnlyList<PoolShadow>> ListPoolAsync(string pool, CancellationToken cancellationToken)
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

        return listed.Select(ToPoolShadow).ToList();
    }

    /// <summary>
    /// Creates a warm shadow: the mapping's image, hardening and capabilities, the idle limits, no
    /// network; starts its idle process and pauses it. Returns its id and name.
    /// </summary>
    /// <exception cref="ShadowUnavailableException">The image is missing or the engine rejected the shadow; nothing is left behind.</exception>
    public async Task<(string ShadowId, string ShadowName)> CreateWarmAsync(WarmShadowRequest request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await EnsureImageAsync(request.Workload, cancellationToken);

        var name = ShadowLabels.WarmContainerName(request.Profile.ToString());
        var memoryBytes = settings.WarmMemoryMiB * BytesPerMiB;
        var hostNanoCpus = await HostNanoCpusAsync(cancellationToken);
        var parameters = new CreateContainerParameters
        {
            Name = name,
            Image = request.Workload.Image,
            Entrypoint = ["sleep"],
            Cmd = ["infinity"],
            Labels = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [ShadowLabels.Shadow] = "true",
                [ShadowLabels.Profile] = request.Profile.ToString(),
                [ShadowLabels.Pool] = settings.Pool,
                [ShadowLabels.Owner] = settings.InstanceName,
                [ShadowLabels.Origin] = ShadowLabels.WarmOrigin,
                [ShadowLabels.Shape] = request.Workload.Shape,
            },
            HostConfig = HardenedHostConfig(request.Workload, memoryBytes, Math.Min(settings.WarmCpuMillicores * NanoCpusPerMillicore, hostNanoCpus), "none"),
        };

        string id;
        try
        {
            id = (await docker.Containers.CreateContainerAsync(parameters, cancellationToken)).ID;
        }
        catch (DockerApiException ex)
        {
            throw new ShadowUnavailableException($"the Docker engine rejected a warm {request.Profile} shadow from '{request.Workload.Image}': {DockerErrors.MessageOf(ex)}", ex);
        }

        try
        {
            await docker.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken);
            await StartLauncherAsync(id, request.Workload, cancellationToken);
            await docker.Containers.PauseContainerAsync(id, cancellationToken);
        }
        catch (Exception ex) when (ex is DockerApiException or ShadowUnavailableException or OperationCanceledException)
        {
            await RemoveAsync(id, CancellationToken.None);
            if (ex is not DockerApiException docker)
            {
                throw;
            }

            throw new ShadowUnavailableException($"warm {request.Profile} shadow {name} did not start: {DockerErrors.MessageOf(docker)}", ex);
        }

        logger.LogInformation(
            "Warmed shadow {ShadowId} ({ShadowName}) for profile {Profile} from {Image}",
            id, name, request.Profile, request.Workload.Image);
        return (id, name);
    }

    /// <summary>Returns whether the container exists and still has an unclaimed warm shadow's name.</summary>
    public async Task<bool> IsUnclaimedWarmAsync(string containerId, CancellationToken cancellationToken) =>
        await InspectOrNullAsync(containerId, cancellationToken) is { } container && ShadowLabels.IsWarmName(container.Name ?? "");

    /// <summary>
    /// Claims the warm shadow <paramref name="warmShadowId"/> for the request's attempt: applies the
    /// allocation, resets its peak memory counter, unpauses it, starts the workload with the manifest's
    /// environment (through the shadow's waiting launcher when this process has it, through a fresh exec
    /// otherwise) and renames it to the attempt's name.
    /// </summary>
    /// <remarks>
    /// The allocation is written into the paused shadow's cgroup files, so the workload starts under its
    /// limits without waiting for the engine's live update, and the workload's command waits in the
    /// launcher's input for the unpause. The method returns once the workload runs; the rename and the
    /// engine's record of the allocation follow, and the claim's <see cref="ShadowClaim.EngineUpdate"/>
    /// completes with them. Where the cgroup files cannot be written, the workload starts only after
    /// the engine's update.
    /// </remarks>
    /// <exception cref="ShadowUnavailableException">
    /// The shadow could not be claimed or run the workload. It is removed, so that the caller can start
    /// the attempt cold under the same name.
    /// </exception>
    public async Task<ShadowClaim> ClaimWarmAsync(string warmShadowId, ShadowRequest request, CancellationToken cancellationToken)
    {
        var name = ShadowLabels.ContainerName(request.NegotiationId, request.Attempt);
        var claimedAt = time.GetUtcNow();
        var hasLauncher = launchers.TryRemove(warmShadowId, out var launcher);
        try
        {
            // While the shadow is paused nothing in it runs or allocates, so its limits and peak counter
            // are set first, straight in its cgroup.
            var (memoryBytes, nanoCpus) = await LimitsOfAsync(request, cancellationToken);
            var limitsInKernel = ApplyLimitsThroughCgroups(warmShadowId, memoryBytes, nanoCpus);
            ResetPeakMemory(warmShadowId);

            // The engine calls are independent; each costs milliseconds, so they run together.
            var unpause = docker.Containers.UnpauseContainerAsync(warmShadowId, cancellationToken);
            var network = request.Workload.NeedsNetwork ? JoinInternalNetworkAsync(warmShadowId, cancellationToken) : Task.CompletedTask;
            var engineLimits = limitsInKernel ? Task.CompletedTask : ApplyAllocationAsync(warmShadowId, request, cancellationToken);

            // The launcher's exec is inspected alongside: one that never started has pid 0 and exit code
            // 126, and its input leads nowhere.
            var launcherRuns = hasLauncher ? IsLauncherRunningAsync(launcher.ExecId, cancellationToken) : Task.FromResult(false);

            // With its limits in force and no network to wait for, the workload's line can wait in the
            // paused launcher's input: the launcher reads it the moment the unpause lets it run.
            var earlyHandOver = hasLauncher && limitsInKernel && !request.Workload.NeedsNetwork
                ? StartThroughLauncherAsync(warmShadowId, launcher, request, cancellationToken)
                : null;
            await Task.WhenAll(unpause, network, engineLimits, launcherRuns);

            var execId = await StartClaimedWorkloadAsync(warmShadowId, await launcherRuns ? launcher : null, earlyHandOver, request, cancellationToken);
            return new ShadowClaim(warmShadowId, name, request.Workload.Image, ColdStart: false, claimedAt, execId)
            {
                EngineUpdate = RecordClaimAsync(warmShadowId, name, request, allocationRecorded: !limitsInKernel),
            };
        }
        catch (Exception ex) when (ex is DockerApiException or ShadowUnavailableException)
        {
            throw await AbandonClaimAsync(warmShadowId, request, ex);
        }
        finally
        {
            if (hasLauncher)
            {
                launcher.Input.Dispose();
            }
        }
    }

    /// <summary>
    /// Returns the exec id of the claimed shadow's workload: the running launcher's when it took the
    /// workload, before the unpause or now, and a fresh exec's otherwise.
    /// </summary>
    /// <param name="launcher">The shadow's launcher when it runs; null when there is none or it never started.</param>
    private async Task<string> StartClaimedWorkloadAsync(
        string containerId,
        (string ExecId, MultiplexedStream Input)? launcher,
        Task<string?>? earlyHandOver,
        ShadowRequest request,
        CancellationToken cancellationToken)
    {
        var handedOver = earlyHandOver is null ? null : await earlyHandOver;
        string? execId = null;
        if (launcher is { } running)
        {
            execId = earlyHandOver is null ? await StartThroughLauncherAsync(containerId, running, request, cancellationToken) : handedOver;
        }

        return execId ?? await StartWorkloadAsync(containerId, request, cancellationToken);
    }

    /// <summary>
    /// Records a warm claim in the engine: renames the shadow to the attempt's name, which is what a
    /// restarted PoolManager finds the claim by, and records the allocation unless the engine applied it.
    /// Until the rename a crash leaves a running shadow with a warm name, which the pool's sizer and
    /// reaper remove because a waiting warm shadow is always paused.
    /// </summary>
    /// <exception cref="ShadowUnavailableException">The engine rejected a call. The shadow is removed.</exception>
    private async Task RecordClaimAsync(string shadowId, string name, ShadowRequest request, bool allocationRecorded)
    {
        try
        {
            await Task.WhenAll(
                docker.Containers.RenameContainerAsync(shadowId, new ContainerRenameParameters { NewName = name }, CancellationToken.None),
                allocationRecorded ? Task.CompletedTask : ApplyAllocationAsync(shadowId, request, CancellationToken.None));
        }
        catch (Exception ex) when (ex is DockerApiException or ShadowUnavailableException)
        {
            throw await AbandonClaimAsync(shadowId, request, ex);
        }
    }

    /// <summary>
    /// Logs why the claim of warm shadow <paramref name="shadowId"/> failed, removes the shadow and
    /// returns the exception for the caller to throw.
    /// </summary>
    private async Task<ShadowUnavailableException> AbandonClaimAsync(string shadowId, ShadowRequest request, Exception error)
    {
        logger.LogWarning(
            error,
            "Warm shadow {ShadowId} could not be claimed for negotiation {NegotiationId} attempt {Attempt}; removing it",
            shadowId, request.NegotiationId, request.Attempt);
        await RemoveAsync(shadowId, CancellationToken.None);
        var reason = error is DockerApiException docker ? DockerErrors.MessageOf(docker) : error.Message;
        return new ShadowUnavailableException($"warm shadow {shadowId} could not be claimed: {reason}", error);
    }

    public void Dispose()
    {
        foreach (var id in launchers.Keys)
        {
            DropLauncher(id);
        }
    }

    /// <summary>
    /// Starts the shadow's <see cref="WorkloadLauncher"/> as the workload's user, with its input held open
    /// by this process.
    /// </summary>
    private async Task StartLauncherAsync(string containerId, ShadowWorkload workload, CancellationToken cancellationToken)
    {
        var exec = await docker.Exec.CreateContainerExecAsync(
            containerId,
            new ContainerExecCreateParameters { Cmd = [.. WorkloadLauncher.Command], User = workload.User ?? "", AttachStdin = true },
            cancellationToken);
        var input = await docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), cancellationToken);
        launchers[containerId] = (exec.ID, input);

        // The start returns before runc has the process running; pausing the shadow then makes the exec
        // fail with code 126, so the caller pauses only once the engine reports the process's pid. The
        // engine reports the exec as running before that, with pid 0.
        var deadline = time.GetUtcNow().AddSeconds(10);
        while (!LauncherStarted(await docker.Exec.InspectContainerExecAsync(exec.ID, cancellationToken)))
        {
            if (time.GetUtcNow() > deadline)
            {
                throw new ShadowUnavailableException($"the launcher of warm shadow {containerId} did not start within 10 s.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(2), time, cancellationToken);
        }
    }

    /// <summary>
    /// Hands the workload to the shadow's running launcher and returns the launcher's exec id; null when
    /// the workload cannot pass through a launcher.
    /// </summary>
    private async Task<string?> StartThroughLauncherAsync(
        string containerId, (string ExecId, MultiplexedStream Input) launcher, ShadowRequest request, CancellationToken cancellationToken)
    {
        var line = WorkloadLauncher.InputLine(request.Workload.Command, request.Workload.Environment);
        if (line is null)
        {
            return null;
        }

        var bytes = Encoding.UTF8.GetBytes(line);
        try
        {
            await launcher.Input.WriteAsync(bytes, 0, bytes.Length, cancellationToken);
            launcher.Input.CloseWrite();
        }
        catch (IOException ex)
        {
            logger.LogWarning(
                "Launcher exec {LauncherExecId} of warm shadow {ShadowId} did not take the workload ({Error}); starting it with a new exec",
                launcher.ExecId, containerId, ex.Message);
            return null;
        }

        logger.LogInformation(
            "Handed workload {Command} to launcher exec {WorkloadExecId} in warm shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt}",
            request.Workload.Command, launcher.ExecId, containerId, request.NegotiationId, request.Attempt);
        return launcher.ExecId;
    }

    /// <summary>Returns whether the launcher's process exists: the exec runs and has a pid.</summary>
    public static bool LauncherStarted(ContainerExecInspectResponse exec) => exec.Running && exec.Pid > 0;

    private async Task<bool> IsLauncherRunningAsync(string execId, CancellationToken cancellationToken) =>
        LauncherStarted(await docker.Exec.InspectContainerExecAsync(execId, cancellationToken));

    private void DropLauncher(string containerId)
    {
        if (launchers.TryRemove(containerId, out var launcher))
        {
            launcher.Input.Dispose();
        }
    }

    /// <summary>
    /// Applies the request's allocation to a running container: memory with equal swap (no swap) and CPU,
    /// capped at the host's CPUs.
    /// </summary>
    private async Task ApplyAllocationAsync(string containerId, ShadowRequest request, CancellationToken cancellationToken)
    {
        var (memoryBytes, nanoCpus) = await LimitsOfAsync(request, cancellationToken);
        try
        {
            await docker.Containers.UpdateContainerAsync(
                containerId,
                new ContainerUpdateParameters
                {
                    Memory = memoryBytes,
                    MemorySwap = memoryBytes,
                    NanoCPUs = nanoCpus,
                },
                cancellationToken);
        }
        catch (DockerApiException ex)
        {
            throw new ShadowUnavailableException(
                $"the Docker engine rejected {request.Allocation} for shadow {containerId}: {DockerErrors.MessageOf(ex)}", ex);
        }
    }

    /// <summary>
    /// Resets the shadow's peak memory counter (cgroup v1 <c>memory.max_usage_in_bytes</c>) from the host,
    /// so that the Validator's peak covers the workload and not the idle wait. Where that fails the
    /// counter keeps the idle process's usage, which is a few hundred KiB for <c>sleep</c> under tini,
    /// and a warning is logged once.
    /// </summary>
    private void ResetPeakMemory(string containerId)
    {
        if (Cgroups.ResetPeakMemory(containerId) is { } error && Interlocked.Increment(ref cgroupResetFailures) == 1)
        {
            logger.LogWarning(
                "Could not reset the peak memory counter of claimed warm shadow {ShadowId} ({Error}); peaks of warm shadows include their idle process. Run the PoolManager as root on the Docker host or set Shadows:CgroupMemoryFolders",
                containerId, error);
        }
    }

    /// <summary>
    /// Writes the limits into the shadow's cgroup files. Returns false, and logs why once, where that is
    /// not possible; the caller then waits for the engine's live update.
    /// </summary>
    private bool ApplyLimitsThroughCgroups(string containerId, long memoryBytes, long nanoCpus)
    {
        if (Cgroups.ApplyLimits(containerId, memoryBytes, nanoCpus) is not { } error)
        {
            return true;
        }

        if (Interlocked.Increment(ref cgroupLimitFailures) == 1)
        {
            logger.LogWarning(
                "Could not write the allocation into the cgroup of warm shadow {ShadowId} ({Error}); claims of warm shadows wait for the Docker engine's live update, which takes tens of milliseconds longer. Run the PoolManager as root on the Docker host, or set Shadows:CgroupMemoryFolders and Shadows:CgroupCpuFolders",
                containerId, error);
        }

        return false;
    }

    /// <summary>Returns the request's memory in bytes and its CPU in nano-CPUs, capped at the host's CPUs.</summary>
    private async Task<(long MemoryBytes, long NanoCpus)> LimitsOfAsync(ShadowRequest request, CancellationToken cancellationToken)
    {
        var hostNanoCpus = await HostNanoCpusAsync(cancellationToken);
        return (request.Allocation.MemoryMiB * BytesPerMiB, Math.Min(request.Allocation.CpuMillicores * NanoCpusPerMillicore, hostNanoCpus));
    }

    /// <summary>
    /// Creates the internal network that shadows of tasks with ports join, unless it exists.
    /// </summary>
    private async Task EnsureInternalNetworkAsync(CancellationToken cancellationToken)
    {
        var network = options.Value.InternalNetwork;
        try
        {
            var existing = await docker.Networks.InspectNetworkAsync(network, cancellationToken);
            if (!existing.Internal)
            {
                throw new ShadowUnavailableException(
                    $"Docker network '{network}' (Shadows:InternalNetwork) exists but is not internal, so shadows on it could reach other hosts; remove it or name another.");
            }

            return;
        }
        catch (DockerNetworkNotFoundException)
        {
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
        }

        try
        {
            await docker.Networks.CreateNetworkAsync(
                new NetworksCreateParameters
                {
                    Name = network,
                    Internal = true,
                    Labels = new Dictionary<string, string>(StringComparer.Ordinal) { [ShadowLabels.Shadow] = "network" },
                },
                cancellationToken);
            logger.LogInformation("Created internal Docker network {Network} for shadows of tasks with ports", network);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            // Created concurrently.
        }
    }

    /// <summary>
    /// Moves a warm shadow, created without a network, onto the internal network of shadows whose tasks
    /// expose ports. The engine allows this on a paused container.
    /// </summary>
    private async Task JoinInternalNetworkAsync(string containerId, CancellationToken cancellationToken)
    {
        await EnsureInternalNetworkAsync(cancellationToken);
        await docker.Networks.DisconnectNetworkAsync("none", new NetworkDisconnectParameters { Container = containerId, Force = true }, cancellationToken);
        await docker.Networks.ConnectNetworkAsync(options.Value.InternalNetwork, new NetworkConnectParameters { Container = containerId }, cancellationToken);
    }

    private HostConfig HardenedHostConfig(ShadowWorkload workload, long memoryBytes, long nanoCpus, string networkMode) => new()
    {
        Memory = memoryBytes,
        // Swap equal to memory means no swap: the allocation is tried as the scheduler will enforce it.
        MemorySwap = memoryBytes,
        NanoCPUs = nanoCpus,
        NetworkMode = networkMode,
        PidsLimit = options.Value.PidsLimit,
        SecurityOpt = ["no-new-privileges"],
        CapDrop = ["ALL"],
        CapAdd = [.. workload.Capabilities],
        ReadonlyRootfs = workload.ReadOnlyRootFilesystem,
        Init = true,
    };

    private static PoolShadow ToPoolShadow(ContainerListResponse entry)
    {
        var labels = entry.Labels is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : new Dictionary<string, string>(entry.Labels, StringComparer.Ordinal);
        var name = (entry.Names?.FirstOrDefault() ?? "").TrimStart('/');
        WorkloadProfile? profile = labels.TryGetValue(ShadowLabels.Profile, out var profileLabel) &&
            Enum.TryParse<WorkloadProfile>(profileLabel, ignoreCase: false, out var parsedProfile) ? parsedProfile : null;

        Guid? negotiationId = null;
        int? attempt = null;
        if (labels.TryGetValue(ShadowLabels.NegotiationId, out var negotiationLabel) && Guid.TryParse(negotiationLabel, out var labelled))
        {
            negotiationId = labelled;
            attempt = labels.TryGetValue(ShadowLabels.Attempt, out var attemptLabel) &&
                int.TryParse(attemptLabel, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsedAttempt) ? parsedAttempt : null;
        }
        else if (ShadowLabels.ParseContainerName(name) is { } claimed)
        {
            (negotiationId, attempt) = (claimed.NegotiationId, claimed.Attempt);
        }

        return new PoolShadow(
            entry.ID,
            name,
            profile,
            labels.GetValueOrDefault(ShadowLabels.Owner, ""),
            ShadowLabels.IsWarmName(name),
            labels.GetValueOrDefault(ShadowLabels.Shape),
            negotiationId,
            attempt,
            new DateTimeOffset(DateTime.SpecifyKind(entry.Created, DateTimeKind.Utc)),
            entry.State ?? "");
    }
}
