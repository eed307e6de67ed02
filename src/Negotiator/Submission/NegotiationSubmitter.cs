using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EventShadow.Contracts;
using EventShadow.Negotiator.Analysis;
using EventShadow.Negotiator.Manifests;
using EventShadow.Negotiator.Saga;
using Marten;
using Microsoft.Extensions.Options;

namespace EventShadow.Negotiator.Submission;

/// <summary>
/// A negotiation started for one task of a submitted definition.
/// </summary>
/// <param name="Committed">The commit, when the negotiation committed at submission from trusted history; otherwise null.</param>
public sealed record SubmittedNegotiation(Guid Id, string Task, AllocationCommitted? Committed = null);

/// <summary>
/// Starts one negotiation per task of a partial task definition. It reads and analyses the whole
/// definition first and then opens every task's event stream in one transaction, so an invalid
/// definition stores nothing. A definition of one task whose workload's history is trusted commits at
/// once (<see cref="NegotiationDecisions.TryCommitAtSubmissionAsync"/>).
/// </summary>
public sealed class NegotiationSubmitter(
    IDocumentStore store,
    NegotiationDecisions decisions,
    IOptions<ApiOptions> options,
    IOptions<NegotiationOptions> negotiationOptions,
    TimeProvider clock,
    ILogger<NegotiationSubmitter> logger)
{
    public const int MaxSourceNameLength = 256;

    /// <summary>Submissions with a sender's id in progress, by that id; each ends when its task completes.</summary>
    private readonly ConcurrentDictionary<Guid, Task> submitting = new();

    /// <summary>
    /// Returns why <paramref name="sourceName"/> cannot name a definition's source, or null when it can:
    /// it is echoed in errors, logs and terminals, so it must be short and printable.
    /// </summary>
    public static string? CheckSourceName(string sourceName) =>
        sourceName.Length > MaxSourceNameLength || sourceName.Any(char.IsControl) || sourceName.Any(IsFormatCharacter)
            ? $"The source name must be at most {MaxSourceNameLength} printable characters."
            : null;

    /// <summary>
    /// Reads <paramref name="definition"/> and starts its negotiations. Throws <see cref="ManifestException"/>
    /// for invalid input and <see cref="DuplicateSubmissionException"/> when <paramref name="firstId"/> is taken.
    /// </summary>
    /// <param name="firstId">
    /// Id for the first task, chosen by the sender so that a repeated submission is recognised; later
    /// tasks get ids derived from it. Null gives every task a new id.
    /// </param>
    public Task<IReadOnlyList<SubmittedNegotiation>> SubmitAsync(
        string definition, string sourceName, Guid? firstId, CancellationToken cancellationToken) =>
        SubmitAsync(definition, sourceName, mediaType: null, firstId, cancellationToken);

    /// <summary>
    /// Like <see cref="SubmitAsync(string, string, Guid?, CancellationToken)"/>, for a definition sent with
    /// <paramref name="mediaType"/>: a <c>text/plain</c> body that is not a manifest is read as free-text hints.
    /// </summary>
    public async Task<IReadOnlyList<SubmittedNegotiation>> SubmitAsync(
        string definition, string sourceName, string? mediaType, Guid? firstId, CancellationToken cancellationToken)
    {
        var tasks = Read(definition, sourceName, mediaType);
        if (firstId is not { } senderId)
        {
            return await StartAsync(tasks, sourceName, firstId, cancellationToken);
        }

        // Copies of one message that arrive together are submitted one after the other, so that each
        // later copy finds the stream taken instead of counting towards a refresh trial or racing the
        // first in the pool's transaction.
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        while (!submitting.TryAdd(senderId, done.Task))
        {
            if (submitting.TryGetValue(senderId, out var earlier))
            {
                await earlier.WaitAsync(cancellationToken);
            }
        }

        try
        {
            return await StartAsync(tasks, sourceName, firstId, cancellationToken);
        }
        finally
        {
            submitting.TryRemove(senderId, out _);
            done.SetResult();
        }
    }

    private async Task<IReadOnlyList<SubmittedNegotiation>> StartAsync(
        IReadOnlyList<PartialTask> tasks, string sourceName, Guid? firstId, CancellationToken cancellationToken)
    {
        var submittedAt = clock.GetUtcNow();
        var openings = new List<StreamOpening>(tasks.Count);
        for (var index = 0; index < tasks.Count; index++)
        {
            var task = tasks[index];
            var id = firstId is { } first ? DeriveId(first, index) : Guid.CreateVersion7(submittedAt);
            var analysis = RequirementAnalyzer.Analyze(task);
            openings.Add(new StreamOpening(
                new PartialTaskSubmitted(id, task.Name, sourceName, task.Format, task.Container, submittedAt),
                new RequirementsAnalyzed(id, task.Name, analysis.Profile, task.Container, analysis.Hints)));
        }

        if (openings.Count == 1 && negotiationOptions.Value.FastPath.CommitAtSubmission &&
            await TryCommitAtSubmissionAsync(openings[0], checkTaken: firstId is not null, cancellationToken) is { } committed)
        {
            return [committed];
        }

        await using var session = store.LightweightSession();
        var started = new List<SubmittedNegotiation>(openings.Count);
        foreach (var (submitted, analyzed) in openings)
        {
            session.Events.StartStream(submitted.NegotiationId, submitted, analyzed);
            started.Add(new SubmittedNegotiation(submitted.NegotiationId, submitted.TaskName));
        }

        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Marten.Exceptions.ExistingStreamIdCollisionException ex)
        {
            throw new DuplicateSubmissionException(firstId ?? Guid.Empty, ex);
        }

        foreach (var negotiation in started)
        {
            logger.LogInformation(
                "Negotiation {NegotiationId} started for task {Task} from {Source}", negotiation.Id, negotiation.Task, sourceName);
        }

        return started;
    }

    /// <summary>Reads and checks every task of a definition; throws <see cref="ManifestException"/> for invalid input.</summary>
    private IReadOnlyList<PartialTask> Read(string definition, string sourceName, string? mediaType)
    {
        if (CheckSourceName(sourceName) is { } invalidSource)
        {
            throw new ManifestException(new ManifestLocation("(source name)", null, null, null), invalidSource);
        }

        var size = Encoding.UTF8.GetByteCount(definition);
        if (size > options.Value.MaxDefinitionBytes)
        {
            throw new ManifestException(
                new ManifestLocation(sourceName, null, null, null),
                $"The definition has {size} bytes, more than the limit of {options.Value.MaxDefinitionBytes} set by Api:MaxDefinitionBytes.");
        }

        var tasks = ManifestReader.Read(definition, sourceName, mediaType);
        foreach (var task in tasks)
        {
            if (ResourceRangeCheck.Check(task, sourceName, negotiationOptions.Value) is { } outOfRange)
            {
                throw outOfRange;
            }
        }

        return tasks;
    }

    // NOTE: a definition of several tasks always goes to the saga, as its tasks may commit in different
    // pools, and one transaction per pool could store some of them and not others. Committing them at
    // submission would need the pool changes of all of them in one transaction.
    private async Task<SubmittedNegotiation?> TryCommitAtSubmissionAsync(
        StreamOpening opening, bool checkTaken, CancellationToken cancellationToken)
    {
        var (submitted, analyzed) = opening;
        if (checkTaken)
        {
            // A repeated submission must be reported as one, not leased again. The saga's path does that.
            await using var query = store.QuerySession();
            if (await query.Events.FetchStreamStateAsync(submitted.NegotiationId, cancellationToken) is not null)
            {
                return null;
            }
        }

        if (await decisions.TryCommitAtSubmissionAsync(submitted, analyzed, cancellationToken) is not { } commit)
        {
            return null;
        }

        // One line instead of the usual two (started, then committed), because at hundreds a second logging is a visible share of the CPU.
        logger.LogInformation(
            "Negotiation {NegotiationId} for task {Task} from {Source} committed {Allocation} in pool {Pool} at submission, without a trial: {Rationale}",
            submitted.NegotiationId, submitted.TaskName, submitted.SourceName, commit.Allocation, commit.Pool, commit.Rationale);
        return new SubmittedNegotiation(submitted.NegotiationId, submitted.TaskName, commit);
    }

    /// <summary>The two events that open one task's negotiation stream.</summary>
    private sealed record StreamOpening(PartialTaskSubmitted Submitted, RequirementsAnalyzed Analyzed);

    // Bidirectional overrides and other invisible format characters can disguise text in a terminal.
    private static bool IsFormatCharacter(char character) =>
        char.GetUnicodeCategory(character) == UnicodeCategory.Format;

    /// <summary>
    /// Returns <paramref name="first"/> for index 0 and a stable name-based UUID (RFC 9562 version 5)
    /// of the first id and the index for later tasks, so a resubmission derives the same ids.
    /// </summary>
    public static Guid DeriveId(Guid first, int index)
    {
        if (index == 0)
        {
            return first;
        }

        Span<byte> name = stackalloc byte[20];
        first.TryWriteBytes(name, bigEndian: true, out _);
        BitConverter.TryWriteBytes(name[16..], index);

        Span<byte> hash = stackalloc byte[20];
#pragma warning disable CA5350 // SHA-1 is what RFC 9562 prescribes for version 5 UUIDs; it is not used for security here.
        SHA1.HashData(name, hash);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}

/// <summary>
/// The negotiation id of a submission is already in use: the same submission arrived before.
/// </summary>
public sealed class DuplicateSubmissionException(Guid negotiationId, Exception innerException)
    : Exception($"Negotiation {negotiationId} already exists; the submission was already accepted.", innerException)
{
    public Guid NegotiationId { get; } = negotiationId;
}
