package io.streamfit.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The ownership client id carries where an instance answers HTTP; relaying depends on reading it back. */
class OwnerTest {
    @Test
    void theClientIdRoundTrips() {
        String id = ModelRegistry.Owner.clientId("pod-a", "10.1.2.3", 8080);
        assertEquals("streamfit-owner-pod-a@10.1.2.3:8080", id);
        assertEquals(Optional.of(new ModelRegistry.Owner("pod-a", "10.1.2.3", 8080)), ModelRegistry.Owner.of(id, "/192.168.0.9"));
    }

    @Test
    void withoutAnAdvertisedHostTheAddressTheBrokersSawStandsIn() {
        String id = ModelRegistry.Owner.clientId("pod-b", "", 9000);
        assertEquals(Optional.of(new ModelRegistry.Owner("pod-b", "192.168.0.9", 9000)),
                ModelRegistry.Owner.of(id, "/192.168.0.9"));
    }

    @Test
    void ipv6AndNamesWithSeparatorsParse() {
        String id = ModelRegistry.Owner.clientId("a@b:c", "fd00::5", 8080);
        assertEquals(Optional.of(new ModelRegistry.Owner("a@b:c", "fd00::5", 8080)), ModelRegistry.Owner.of(id, "/x"));
    }

    @Test
    void otherClientsAreNotOwners() {
        assertTrue(ModelRegistry.Owner.of("consumer-1", "/x").isEmpty());
        assertTrue(ModelRegistry.Owner.of("streamfit-owner-a@host:notaport", "/x").isEmpty());
    }
}
