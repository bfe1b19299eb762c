package io.easyfaas.runtime.nodejs.internal;

/** The bootstrap's tests with a socket to connect to ({@code EASYFAAS_RUNTIME_SOCKET}), as bootstraps before protocol 1.3 had. */
class NodejsBootstrapOverSocketPathTest extends NodejsBootstrapTest {

    @Override
    protected boolean handsConnection() {
        return false;
    }
}
