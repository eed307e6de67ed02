namespace EventShadow.UnitTests;
