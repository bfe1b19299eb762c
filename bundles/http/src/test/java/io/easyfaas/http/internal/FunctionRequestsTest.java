package io.easyfaas.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.easyfaas.api.ErrorCode;
import io.easyfaas.api.FaasException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Management request bodies as clients send them; the registry checks the values' ranges. */
class FunctionRequestsTest {
    private final FunctionRequests requests = new FunctionRequests(new ObjectMapper());

    @Test
    void podConcurrentQuotaIsReadOnCreateAndOnConfigurationUpdates() {
        FunctionRequests.Deployment deployment = requests.deployment(bytes("{\"FunctionName\":\"f\",\"Runtime\":\"nodejs20\","
                + "\"Handler\":\"index.handler\",\"PodConcurrentQuota\":3,\"Code\":{\"ZipFile\":\"UEsFBg==\"}}"), null);

        assertEquals(3, deployment.definition().podConcurrentQuota());
        assertEquals(0, requests.configuration(bytes("{\"PodConcurrentQuota\":0}"), "f").podConcurrentQuota());
        assertNull(requests.configuration(bytes("{\"MemorySize\":256}"), "f").podConcurrentQuota(), "absent: left as it is");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"3\"", "2.5", "true", "99999999999"})
    void aPodConcurrentQuotaThatIsNotAnIntegerIsA400NamingTheField(String value) {
        FaasException refused = assertThrows(FaasException.class,
                () -> requests.configuration(bytes("{\"PodConcurrentQuota\":" + value + "}"), "f"));

        assertEquals(ErrorCode.INVALID_PARAMETER_VALUE, refused.errorCode());
        assertTrue(refused.getMessage().contains("PodConcurrentQuota"), refused.getMessage());
    }

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
