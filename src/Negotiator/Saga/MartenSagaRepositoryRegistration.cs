using Marten;
using MassTransit;
using MassTransit.Configuration;
using MassTransit.Saga;

namespace EventShadow.Negotiator.Saga;

public static class MartenSagaRepositoryRegistration
{
    /// <summary>
    /// Stores the saga in Marten through <see cref="MartenSagaRepositoryContextFactory{TSaga}"/>.
    /// The saga document type must be registered with optimistic concurrency in the store options.
    /// </summary>
    public static ISagaRegistrationConfigurator<TSaga> MartenRepository<TSaga>(this ISagaRegistrationConfigurator<TSaga> configurator)
        where TSaga : class, IRaiseEvents
    {
        configurator.Repository(repository => repository.RegisterSagaRepository<
            TSaga,
            IDocumentSession,
            SagaConsumeContextFactory<IDocumentSession, TSaga>,
            MartenSagaRepositoryContextFactory<TSaga>>());
        return configurator;
    }
}
