import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import { navModule } from './modules/nav';
import { homeModule } from './modules/home';
import { demoSignInModule } from './modules/demoSignIn';
import { catalogGraphLineageModule } from '@chorus/plugin-annotation/alpha';

// Plugins listed in package.json (Chorus included) are discovered through
// `app.packages: all`; these are the app's own modules.
export default createApp({
  features: [
    catalogPlugin,
    navModule,
    homeModule,
    demoSignInModule,
    catalogGraphLineageModule,
  ],
});
