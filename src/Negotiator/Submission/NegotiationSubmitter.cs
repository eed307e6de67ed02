using System.Security.Cryptography;
using EventShadow.Contracts;
using EventShadow.Negotiator.Analysis;
using EventShadow.Negotiator.Manifests;
using JasperFx.Events;
using Marten;

namespace EventShadow.Negotiator.Submission;

/// <summary>
/// A negotiation started for one task of a submitted definition.
/// </summary>
public sealed record SubmittedNegotiation(Guid Id, string Task);

/// <summary>
/// Starts one negotiation per task of a partial task definition. It reads and analyses the whole
/// definition first and then opens every task's event stream in one transaction, so an invalid
/// definition stores nothing.
/// </summary>
public sealed class NegotiationSubmitter(IDocumentStore store, TimeProvider clock, ILogger<NegotiationSubmitter> logger)
{
    /// <summary>
    /// Reads <paramref name="definition"/> and starts its negotiations. Throws <see cref="ManifestException"/>
    /// for invalid input and <see cref="DuplicateSubmissionException"/> when <paramref name="firstId"/> is taken.
    /// </summary>
    /// <param name="firstId">
    /// Id for the first task, chosen by the sender so that a repeated submission is recognised; later
    /// tasks get ids derived from it. Null gives every task a new id.
    /// </param>
    public async Task<IReadOnlyList<SubmittedNegotiation>> SubmitAsync(
        string definition, string sourceName, Guid? firstId, CancellationToken cancellationToken)
    {
        var tasks = ManifestReader.Read(definition, sourceName);
        var submittedAt = clock.GetUtcNow();

        await using var session = store.LightweightSession();
        var started = new List<SubmittedNegotiation>(tasks.Count);
        for (var index = 0; index < tasks.Count; index++)
        {
            var task = tasks[index];
            var id = firstId is { } first ? DeriveId(first, index) : Guid.CreateVersion7(submittedAt);
            var analysis = RequirementAnalyzer.Analyze(task);

            session.Events.StartStream(id,
                new PartialTaskSubmitted(id, task.Name, sourceName, task.Format, task.Container, submittedAt),
                new RequirementsAnalyzed(id, task.Name, analysis.Profile, task.Container, analysis.Hints));
            started.Add(new SubmittedNegotiation(id, task.Name));
        }

        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (ExistingStreamIdCollisionException ex)
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
