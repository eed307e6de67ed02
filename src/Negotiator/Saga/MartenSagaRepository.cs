using EventShadow.Hosting;
using JasperFx;
using Marten;
using MassTransit;
using MassTransit.Context;
using MassTransit.Saga;

namespace EventShadow.Negotiator.Saga;

/// <summary>
/// MassTransit saga repository on Marten. Each message gets its own session; saving the saga also
/// appends the events it raised to its negotiation stream, in one transaction.
/// </summary>
/// <remarks>
/// Sagas use Marten's optimistic concurrency: when two messages for one negotiation race, the
/// second save fails with a concurrency error and MassTransit's retry runs it again on fresh state.
/// </remarks>
public sealed class MartenSagaRepositoryContextFactory<TSaga>(
    IDocumentStore store,
    ISagaConsumeContextFactory<IDocumentSession, TSaga> factory)
    : ISagaRepositoryContextFactory<TSaga>
    where TSaga : class, IRaiseEvents
{
    public async Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<TSaga, T>> next)
        where T : class
    {
        await using var session = store.IdentitySession();
        var repositoryContext = new MartenSagaRepositoryContext<TSaga, T>(session, context, factory);
        await next.Send(repositoryContext);
    }

    public async Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<TSaga> query, IPipe<SagaRepositoryQueryContext<TSaga, T>> next)
        where T : class
    {
        await using var session = store.IdentitySession();
        var repositoryContext = new MartenSagaRepositoryContext<TSaga, T>(session, context, factory);
        var instances = await session.Query<TSaga>().Where(query.FilterExpression).ToListAsync(context.CancellationToken);
        await next.Send(new LoadedSagaRepositoryQueryContext<TSaga, T>(repositoryContext, instances));
    }

    public void Probe(ProbeContext context) => context.Add("persistence", "marten");
}

public sealed class MartenSagaRepositoryContext<TSaga, TMessage> : ConsumeContextScope<TMessage>, SagaRepositoryContext<TSaga, TMessage>
    where TSaga : class, IRaiseEvents
    where TMessage : class
{
    private readonly IDocumentSession session;
    private readonly ConsumeContext<TMessage> messageContext;
    private readonly ISagaConsumeContextFactory<IDocumentSession, TSaga> factory;

    public MartenSagaRepositoryContext(
        IDocumentSession session, ConsumeContext<TMessage> messageContext, ISagaConsumeContextFactory<IDocumentSession, TSaga> factory)
        : base(messageContext)
    {
        this.session = session;
        this.messageContext = messageContext;
        this.factory = factory;
    }

    public Task<SagaConsumeContext<TSaga, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> consumeContext, TSaga instance, SagaConsumeContextMode mode)
        where T : class
    {
        return factory.CreateSagaConsumeContext(session, consumeContext, instance, mode);
    }

    public Task<SagaConsumeContext<TSaga, TMessage>> Add(TSaga instance) =>
        factory.CreateSagaConsumeContext(session, messageContext, instance, SagaConsumeContextMode.Add);

    public async Task<SagaConsumeContext<TSaga, TMessage>> Insert(TSaga instance)
    {
        try
        {
            session.Insert(instance);
            await AppendRaisedEventsAsync(instance);
            await session.SaveChangesAsync(CancellationToken);
        }
        catch (DocumentAlreadyExistsException)
        {
            // Another message created this saga first; MassTransit loads it instead.
            session.Eject(instance);
            return null!;
        }

        return await factory.CreateSagaConsumeContext(session, messageContext, instance, SagaConsumeContextMode.Insert);
    }

    public async Task<SagaConsumeContext<TSaga, TMessage>> Load(Guid correlationId)
    {
        var instance = await session.LoadAsync<TSaga>(correlationId, CancellationToken);
        return instance is null
            ? null!
            : await factory.CreateSagaConsumeContext(session, messageContext, instance, SagaConsumeContextMode.Load);
    }

    public async Task Save(SagaConsumeContext<TSaga> context)
    {
        session.Insert(context.Saga);
        await AppendRaisedEventsAsync(context.Saga);
        await session.SaveChangesAsync(CancellationToken);
    }

    public async Task Update(SagaConsumeContext<TSaga> context)
    {
        session.Update(context.Saga);
        await AppendRaisedEventsAsync(context.Saga);
        await session.SaveChangesAsync(CancellationToken);
    }

    public async Task Delete(SagaConsumeContext<TSaga> context)
    {
        session.Delete(context.Saga);
        await AppendRaisedEventsAsync(context.Saga);
        await session.SaveChangesAsync(CancellationToken);
    }

    public Task Discard(SagaConsumeContext<TSaga> context)
    {
        context.Saga.TakeRaisedEvents();
        return Task.CompletedTask;
    }

    public Task Undo(SagaConsumeContext<TSaga> context)
    {
        context.Saga.TakeRaisedEvents();
        session.Eject(context.Saga);
        return Task.CompletedTask;
    }

    // The stream's row is locked first, as every other writer of a negotiation's stream does (see
    // EventStreamLock): an unlocked append can insert the same version as a locked one and deadlock with it.
    private async Task AppendRaisedEventsAsync(TSaga saga)
    {
        var events = saga.TakeRaisedEvents();
        if (events.Count > 0)
        {
            await EventStreamLock.LockAsync(session, saga.CorrelationId, CancellationToken);
            session.Events.Append(saga.CorrelationId, events);
        }
    }
}
