package org.elasticsearch.node;

import java.util.Collection;

import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.MockPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsService;

/**
 * A node whose plugins (here the transport-netty4 module) come from the classpath instead of a modules/ folder
 * of an unpacked distribution. It lives in Elasticsearch's package because NodeConstruction and
 * NodeServiceProvider are package-private; the test framework's MockNode does the same, but its constructors
 * initialise ESTestCase, whose static set-up refuses to run as root.
 */
public final class ClasspathPluginNode extends Node {
    public ClasspathPluginNode(Settings settings, Collection<Class<? extends Plugin>> plugins) {
        super(NodeConstruction.prepareConstruction(environment(settings), new ClasspathPlugins(plugins), true));
    }

    private static Environment environment(Settings settings) {
        return InternalSettingsPreparer.prepareEnvironment(settings, java.util.Map.of(), null, () -> settings.get("node.name"));
    }

    private static final class ClasspathPlugins extends NodeServiceProvider {
        private final Collection<Class<? extends Plugin>> plugins;

        ClasspathPlugins(Collection<Class<? extends Plugin>> plugins) {
            this.plugins = plugins;
        }

        @Override
        PluginsService newPluginService(Environment environment, Settings settings) {
            return new MockPluginsService(settings, environment, plugins);
        }
    }
}
